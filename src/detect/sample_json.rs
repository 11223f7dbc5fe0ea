//! A sample's content as a `serde_json::Value`, built by hand: every changed signal carries its
//! samples out at every flush, and `serde_json::to_value` grows each map key by key (reallocating
//! and rehashing) where the number of keys is known. The result is the same value, key order
//! included (tested against `to_value` in `sample.rs`).
use super::sample::{Content, Trigger};
use serde_json::{Map, Value};

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn put(m: &mut Map<String, Value>, k: &str, v: Value) {
    m.insert(k.to_string(), v);
}

fn put_opt(m: &mut Map<String, Value>, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        put(m, k, s(v));
    }
}

impl Content {
    pub fn to_value(&self) -> Value {
        let h = &self.http;
        let mut http = Map::with_capacity(6);
        put_opt(&mut http, "client_ip", &h.client_ip);
        put_opt(&mut http, "method", &h.method);
        put_opt(&mut http, "url", &h.url);
        put_opt(&mut http, "useragent", &h.useragent);
        put_opt(&mut http, "host", &h.host);
        if let Some(c) = h.status_code {
            put(&mut http, "status_code", Value::from(c));
        }
        let a = &self.appsec;
        let mut appsec = Map::with_capacity(4);
        put(&mut appsec, "type", s(&a.family));
        put(&mut appsec, "category", s(&a.category));
        put(&mut appsec, "blocked", Value::Bool(a.blocked));
        put(
            &mut appsec,
            "triggers",
            Value::Array(a.triggers.iter().map(trigger).collect()),
        );
        let mut m = Map::with_capacity(6);
        put(&mut m, "timestamp", s(&self.timestamp));
        put(&mut m, "http", Value::Object(http));
        if let Some(u) = &self.usr {
            let mut usr = Map::with_capacity(1);
            put(&mut usr, "id", s(&u.id));
            put(&mut m, "usr", Value::Object(usr));
        }
        put_opt(&mut m, "service", &self.service);
        put(&mut m, "source", s(&self.source));
        put(&mut m, "appsec", Value::Object(appsec));
        Value::Object(m)
    }
}

fn trigger(t: &Trigger) -> Value {
    let mut tags = Map::with_capacity(2);
    put(&mut tags, "type", s(&t.rule.tags.family));
    put(&mut tags, "category", s(&t.rule.tags.category));
    let mut rule = Map::with_capacity(3);
    put(&mut rule, "id", s(&t.rule.id));
    put(&mut rule, "name", s(&t.rule.name));
    put(&mut rule, "tags", Value::Object(tags));
    let matches = t
        .rule_matches
        .iter()
        .map(|rm| {
            let params = rm
                .parameters
                .iter()
                .map(|p| {
                    let mut pm = Map::with_capacity(3);
                    put(&mut pm, "address", s(&p.address));
                    put(
                        &mut pm,
                        "key_path",
                        Value::Array(p.key_path.iter().map(|k| s(k)).collect()),
                    );
                    put(&mut pm, "value", s(&p.value));
                    Value::Object(pm)
                })
                .collect();
            let mut mm = Map::with_capacity(2);
            put(&mut mm, "operator", s(&rm.operator));
            put(&mut mm, "parameters", Value::Array(params));
            Value::Object(mm)
        })
        .collect();
    let mut out = Map::with_capacity(2);
    put(&mut out, "rule", Value::Object(rule));
    put(&mut out, "rule_matches", Value::Array(matches));
    Value::Object(out)
}
