//! Blue-green `keep = "10m"`: the old colour stays at weight 0 for an instant switch back, and its
//! container's `resources` row gets `keep_until` (UTC microseconds, and the same instant as RFC 3339
//! text). Nothing waits in a process for that instant: `flightdeck env gc ENV` (run it from cron, a
//! CI schedule or by hand) removes every kept container whose time has come and marks it removed,
//! so a kept colour survives a runner restart and still goes away.
//!
//! The rule when a later rollout needs the slots of a kept colour: it replaces those containers
//! (logging each one), and records in its `previous` output which slots were kept and until when.
//! Should that rollout abort, or the run roll it back, each replaced kept container is started again
//! on its old image, at weight 0, with its original `keep_until`, as long as that instant has not
//! passed; one whose keep has expired meanwhile is not brought back (the log says so) and `env gc`
//! has nothing left to do for it. A rollout that succeeds leaves no kept containers in the slots it took.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::event::Stream;
use crate::platforms::podman::Podman;
use crate::rollout::deploy::Deploy;
use crate::store::{ResourceRecord, Store};
use crate::time::{Micros, now};

/// The detail key holding when a kept container expires (UTC microseconds).
pub const KEEP_UNTIL: &str = "keep_until";

/// When a recorded resource's keep expires, if it was kept.
pub fn keep_until(r: &ResourceRecord) -> Option<Micros> {
    r.detail.get(KEEP_UNTIL).and_then(Value::as_i64).map(Micros)
}

/// The live kept containers of `environment` whose keep has expired at `now`, oldest first.
pub fn expired(store: &Store, environment: &str, now: Micros) -> Result<Vec<ResourceRecord>, String> {
    let rows = store.resources(environment, false).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .filter(|r| r.kind == "container" && keep_until(r).is_some_and(|t| t <= now))
        .collect())
}

/// The slots of balancer `balancer` in `environment` whose container is kept, with its expiry.
pub fn kept_slots(
    store: &Store,
    environment: &str,
    balancer: &str,
) -> Result<BTreeMap<String, Micros>, String> {
    let rows = store.resources(environment, false).map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .filter(|r| {
            r.kind == "container" && r.detail.get("balancer").and_then(Value::as_str) == Some(balancer)
        })
        .filter_map(|r| Some((r.detail.get("slot")?.as_str()?.to_string(), keep_until(r)?)))
        .collect())
}

/// Starts `image` in `slot` again at weight 0 and marks it kept until `until`, unless that instant
/// has passed (then the slot is emptied). Returns what it did, for the log.
pub(crate) async fn bring_back(
    d: &mut Deploy<'_>,
    slot: &str,
    image: &str,
    until: Micros,
) -> Result<String, String> {
    let name = d.container(slot);
    d.kept.remove(slot);
    if until <= now() {
        d.stop(slot).await?;
        return Ok(format!("{name}: its keep expired at {}, so it is not brought back", until.to_rfc3339()));
    }
    if d.podman.running_image(&name).await.as_deref() != Some(image) {
        let new_image = std::mem::replace(&mut d.image, image.to_string());
        let started = d.start(slot).await;
        d.image = new_image;
        started?;
    }
    d.mark_kept(slot, Some(until)).await?;
    let note = format!("{name} kept again on {image} until {}", until.to_rfc3339());
    d.cx.log(Stream::System, note.clone()).await;
    Ok(note)
}

/// Abort: if this rollout replaced a kept container in `slot`, brings it back; `None` when the
/// slot held no kept container (the caller removes what it started there).
pub(crate) async fn bring_back_replaced(d: &mut Deploy<'_>, slot: &str) -> Option<String> {
    let until = *d.kept.get(slot)?;
    let image = d.images.get(slot)?.clone();
    Some(match bring_back(d, slot, &image, until).await {
        Ok(note) => note,
        Err(e) => format!("bringing back the kept {} FAILED: {e}", d.container(slot)),
    })
}

/// Removes the expired kept containers of `environment` (podman `rm -f`) and marks them removed;
/// returns their names. A container already gone is only marked removed.
pub async fn collect(store: &Store, environment: &str, now: Micros) -> Result<Vec<String>, String> {
    let podman = Podman::default();
    let mut removed = Vec::new();
    for r in expired(store, environment, now)? {
        let name = r.detail.get("container").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            return Err(format!("resource {} ({}) names no container in its detail", r.id, r.name));
        }
        podman.remove(name, 0).await.map_err(|e| format!("removing kept container {name}: {e}"))?;
        store.remove_resource(r.id, now, None).await.map_err(|e| e.to_string())?;
        removed.push(r.name);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewResource;
    use serde_json::json;

    #[tokio::test]
    async fn only_kept_containers_past_their_keep_are_expired() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let add = |name: &str, kind: &str| NewResource {
            environment: "staging".into(),
            kind: kind.into(),
            name: name.into(),
            detail: json!({ "container": name }),
            run: None,
            step: None,
        };
        let mut ids = Vec::new();
        for (name, kind) in
            [("old", "container"), ("later", "container"), ("plain", "container"), ("rec", "dns_record")]
        {
            ids.push(store.add_resource(&add(name, kind), Micros(1)).await.unwrap());
        }
        for (id, until) in [(ids[0], 100), (ids[1], 300), (ids[3], 100)] {
            let detail = json!({ "container": "x", KEEP_UNTIL: until });
            assert!(store.set_resource_detail(id, &detail).await.unwrap());
        }
        let names = |rows: Vec<ResourceRecord>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(expired(&store, "staging", Micros(200)).unwrap()), ["old"]);
        assert_eq!(names(expired(&store, "staging", Micros(300)).unwrap()), ["old", "later"]);
        assert!(expired(&store, "production", Micros(300)).unwrap().is_empty());
        store.remove_resource(ids[0], Micros(250), None).await.unwrap();
        assert_eq!(names(expired(&store, "staging", Micros(300)).unwrap()), ["later"]);
        assert!(
            !store.set_resource_detail(ids[0], &json!({})).await.unwrap(),
            "a removed row stays as it was"
        );
    }

    #[tokio::test]
    async fn kept_slots_are_those_of_the_balancer_with_a_keep() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for (name, balancer, slot, until) in
            [("a", "web", "s1", Some(100)), ("b", "web", "s2", None), ("c", "api", "s1", Some(200))]
        {
            let mut detail = json!({ "container": name, "balancer": balancer, "slot": slot });
            if let Some(t) = until {
                detail[KEEP_UNTIL] = json!(t);
            }
            let r = NewResource {
                environment: "staging".into(),
                kind: "container".into(),
                name: name.into(),
                detail,
                run: None,
                step: None,
            };
            store.add_resource(&r, Micros(1)).await.unwrap();
        }
        let web = kept_slots(&store, "staging", "web").unwrap();
        assert_eq!(web.into_iter().collect::<Vec<_>>(), [("s1".to_string(), Micros(100))]);
        assert_eq!(kept_slots(&store, "staging", "api").unwrap().len(), 1);
        assert!(kept_slots(&store, "production", "web").unwrap().is_empty());
    }
}
