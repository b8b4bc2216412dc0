//! Bad input to the `dns`, `iac` and `cert` kinds is refused at load time with a message naming
//! the value and what to write; the nsupdate script quotes TXT values and cannot be broken out of.

use std::collections::BTreeMap;

use serde_json::json;

use crate::infra::dns::{Change, Server, check_text, fqdn};
use crate::steps::ActionKind;
use crate::steps::cert::Cert;
use crate::steps::dns::Dns;
use crate::steps::iac::Iac;

fn err(kind: &dyn ActionKind, v: &serde_json::Value) -> String {
    kind.parse(v, &BTreeMap::new()).expect_err("accepted bad input")
}

#[test]
fn dns_refuses_unknown_types_actions_keys_and_ttls() {
    let base = json!({ "server": "127.0.0.1:53", "key": "k", "name": "a.example.", "value": "1.2.3.4" });
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert!(err(&Dns, &with("type", json!("MX"))).contains("type \"MX\" is not supported"));
    assert!(err(&Dns, &with("action", json!("upsert"))).contains("use add, replace or delete"));
    assert!(err(&Dns, &with("ttl", json!(0))).contains("bad ttl 0"));
    assert!(err(&Dns, &with("sever", json!("x"))).contains("unknown key `sever`"));
    assert!(err(&Dns, &json!({ "key": "k", "name": "a." })).contains("`server` is required"));
    let ok = Dns.parse(&base, &BTreeMap::new()).unwrap();
    assert_eq!(ok["values"], json!(["1.2.3.4"]));
    assert_eq!(ok["action"], "replace");
}

#[test]
fn iac_and_cert_refuse_incomplete_tables() {
    assert!(err(&Iac, &json!({ "tool": "pulumi" })).contains("tool \"pulumi\" is unknown"));
    assert!(err(&Iac, &json!({ "tool": "ansible", "playbook": "x.yml" })).contains("needs `inventory`"));
    assert!(
        err(&Iac, &json!({ "tool": "terraform", "dir": "d", "plan": true, "approved": "x" }))
            .contains("takes no `approved`")
    );
    assert!(
        err(&Cert, &json!({ "directory": "http://x/dir", "names": ["a"], "http": ":80" }))
            .contains("https://")
    );
    assert!(
        err(&Cert, &json!({ "directory": "https://x/dir", "names": [], "http": ":80" }))
            .contains("non-empty list")
    );
    assert!(err(&Cert, &json!({ "directory": "https://x/dir", "names": ["a"] })).contains("HTTP-01"));
    let bad = json!({ "directory": "https://x/dir", "names": ["a"], "http": ":80", "renew_before": "soon" });
    assert!(err(&Cert, &bad).contains("bad renew_before"));
}

#[test]
fn nsupdate_scripts_quote_txt_and_refuse_control_characters() {
    let srv = Server { addr: "127.0.0.1:5355".into(), key: "k".into(), zone: Some("ops.test".into()) };
    let mut c = Change::default();
    c.add("t.ops.test.", 60, "TXT", "say \"hi\"");
    c.add("w.ops.test.", 60, "CNAME", "app.ops.test");
    let s = c.script(&srv);
    assert_eq!(
        s,
        "server 127.0.0.1 5355\nzone ops.test.\nupdate add t.ops.test. 60 TXT \"say \\\"hi\\\"\"\nupdate add w.ops.test. 60 CNAME app.ops.test.\nsend\n"
    );
    assert!(check_text("value", "1.2.3.4\nsend").is_err());
    assert_eq!(fqdn("App.Ops.Test"), "app.ops.test.");
}
