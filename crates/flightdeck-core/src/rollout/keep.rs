//! Blue-green `keep = "10m"`: the old colour stays at weight 0 for an instant switch back, and its
//! container's `resources` row gets `keep_until` (UTC microseconds, and the same instant as RFC 3339
//! text). Nothing waits in a process for that instant: `flightdeck env gc ENV` (run it from cron, a
//! CI schedule or by hand) removes every kept container whose time has come and marks it removed,
//! so a kept colour survives a runner restart and still goes away. The next rollout on the balancer
//! replaces a kept container anyway.

use serde_json::Value;

use crate::platforms::podman::Podman;
use crate::store::{ResourceRecord, Store};
use crate::time::Micros;

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
}
