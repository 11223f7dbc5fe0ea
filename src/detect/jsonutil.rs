//! Small serde helpers the readers share: values that are a string or a number, a string or a list,
//! and a header map read for only the headers detection needs.
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A string, or a number written as its text (`"942100"` and `942100` alike).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// A number, or a string holding one (`403` and `"403"`); anything else is `None`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Num(pub Option<i64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(i64::try_from(v).ok()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(Some(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v.is_finite().then_some(v as i64)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num(v.trim().parse().ok()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
                Ok(Num(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Num, E> {
                Ok(Num(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string, or the first string of a list (`"x"` and `["x", "y"]` alike).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct First<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for First<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<First<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = First<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<First<'de>, E> {
                Ok(First(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<First<'de>, E> {
                Ok(First(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<First<'de>, E> {
                Ok(First(Some(Cow::Owned(v))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<First<'de>, A::Error> {
                let mut first: Option<Cow<'de, str>> = None;
                while let Some(x) = s.next_element::<First<'de>>()? {
                    if first.is_none() {
                        first = x.0;
                    }
                }
                Ok(First(first))
            }
            fn visit_unit<E: de::Error>(self) -> Result<First<'de>, E> {
                Ok(First(None))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<First<'de>, E> {
                Ok(First(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<First<'de>, E> {
                Ok(First(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<First<'de>, E> {
                Ok(First(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<First<'de>, E> {
                Ok(First(Some(Cow::Owned(v.to_string()))))
            }
        }
        d.deserialize_any(V)
    }
}

/// The request headers detection reads (Host, User-Agent), whatever the case of their names; the
/// others are skipped without being kept. Values may be strings or lists of strings.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Headers<'a> {
    pub host: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Headers<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Headers<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Headers<'de>, A::Error> {
                let mut h = Headers::default();
                while let Some(k) = m.next_key::<Cow<'de, str>>()? {
                    if k.eq_ignore_ascii_case("host") {
                        h.host = m.next_value::<First<'de>>()?.0;
                    } else if k.eq_ignore_ascii_case("user-agent") {
                        h.user_agent = m.next_value::<First<'de>>()?.0;
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(h)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Headers<'de>, A::Error> {
                // AWS WAF's `[{"name": "Host", "value": "..."}]`.
                #[derive(Deserialize)]
                struct Pair<'x> {
                    #[serde(borrow, default)]
                    name: Cow<'x, str>,
                    #[serde(borrow, default)]
                    value: First<'x>,
                }
                let mut h = Headers::default();
                while let Some(p) = s.next_element::<Pair<'de>>()? {
                    if p.name.eq_ignore_ascii_case("host") {
                        h.host = p.value.0;
                    } else if p.name.eq_ignore_ascii_case("user-agent") {
                        h.user_agent = p.value.0;
                    }
                }
                Ok(h)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Headers<'de>, E> {
                Ok(Headers::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// `Some(s)` unless empty or `-`.
pub fn some(s: Option<Cow<'_, str>>) -> Option<String> {
    s.map(Cow::into_owned).filter(|x| !x.is_empty() && x != "-")
}

/// The host of a `Host` header, without its port.
pub fn host_only(h: &str) -> String {
    if h.starts_with('[') {
        return h
            .split(']')
            .next()
            .unwrap_or(h)
            .trim_start_matches('[')
            .to_string();
    }
    match h.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host.to_string(),
        _ => h.to_string(),
    }
}
