//! Query-protocol parameters into typed requests: `Name=v`, lists as `Name.member.N`,
//! structures in lists as `Name.member.N.Field` (so `Tags.member.1.Key`), numbers and
//! booleans from their text. Validation against the model runs before this, so a type
//! error here is a request the model's constraints did not describe.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

#[derive(Debug)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError(msg.to_string())
    }
}

/// The parameters as a tree of their dotted names.
#[derive(Debug)]
enum Node<'a> {
    Leaf(&'a str),
    Map(BTreeMap<&'a str, Node<'a>>),
}

impl<'a> Node<'a> {
    fn insert(&mut self, path: &[&'a str], value: &'a str) {
        let Node::Map(map) = self else { return };
        match path {
            [] => {}
            [last] => {
                map.entry(last).or_insert(Node::Leaf(value));
            }
            [first, rest @ ..] => {
                let child = map
                    .entry(first)
                    .or_insert_with(|| Node::Map(BTreeMap::new()));
                if let Node::Leaf(_) = child {
                    *child = Node::Map(BTreeMap::new());
                }
                child.insert(rest, value);
            }
        }
    }
}

/// Decodes `params` into `T`.
pub fn from_params<T: DeserializeOwned>(
    params: &HashMap<String, String>,
) -> Result<T, DecodeError> {
    let mut root = Node::Map(BTreeMap::new());
    for (k, v) in params {
        let path: Vec<&str> = k.split('.').collect();
        root.insert(&path, v);
    }
    T::deserialize(root)
}

impl<'de, 'a> de::Deserializer<'de> for Node<'a> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Node::Leaf(s) => visitor.visit_string(s.to_owned()),
            Node::Map(map) => visitor.visit_map(Entries {
                iter: map.into_iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_some(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.leaf()? {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(DecodeError(format!("{other:?} is not a boolean"))),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let s = self.leaf()?;
        visitor.visit_i64(
            s.parse()
                .map_err(|_| DecodeError(format!("{s:?} is not a number")))?,
        )
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let Node::Map(mut map) = self else {
            return Err(DecodeError("expected a list (Name.member.N)".into()));
        };
        let mut items: Vec<(u64, Node<'a>)> = match map.remove("member") {
            Some(Node::Map(members)) => members
                .into_iter()
                .filter_map(|(n, node)| n.parse::<u64>().ok().map(|n| (n, node)))
                .collect(),
            _ => Vec::new(),
        };
        items.sort_by_key(|(n, _)| *n);
        visitor.visit_seq(de::value::SeqDeserializer::new(
            items.into_iter().map(|(_, node)| node),
        ))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let s = self.leaf()?.to_owned();
        visitor.visit_enum(s.into_deserializer())
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 u8 u16 u32 f32 f64 i128 u128 char str string bytes byte_buf unit unit_struct
        newtype_struct tuple tuple_struct map struct identifier
    }
}

impl<'a> Node<'a> {
    fn leaf(self) -> Result<&'a str, DecodeError> {
        match self {
            Node::Leaf(s) => Ok(s),
            Node::Map(_) => Err(DecodeError("expected a single value".into())),
        }
    }
}

impl<'de, 'a> IntoDeserializer<'de, DecodeError> for Node<'a> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

struct Entries<'a> {
    iter: std::collections::btree_map::IntoIter<&'a str, Node<'a>>,
    value: Option<Node<'a>>,
}

impl<'de, 'a> de::MapAccess<'de> for Entries<'a> {
    type Error = DecodeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k.to_owned().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| DecodeError("value before key".into()))?;
        seed.deserialize(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Tag {
        key: String,
        value: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Request {
        user_name: String,
        path: Option<String>,
        max_items: Option<i64>,
        #[serde(default)]
        tags: Vec<Tag>,
        #[serde(default)]
        policy_arns: Vec<String>,
        flag: Option<bool>,
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn members_lists_and_numbers() {
        let r: Request = from_params(&params(&[
            ("Action", "CreateUser"),
            ("UserName", "alice"),
            ("MaxItems", "7"),
            ("Tags.member.2.Key", "b"),
            ("Tags.member.2.Value", "2"),
            ("Tags.member.10.Key", "c"),
            ("Tags.member.10.Value", "3"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("PolicyArns.member.1", "arn:x"),
            ("Flag", "true"),
        ]))
        .unwrap();
        assert_eq!(r.user_name, "alice");
        assert_eq!(r.path, None);
        assert_eq!(r.max_items, Some(7));
        let keys: Vec<&str> = r.tags.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(r.policy_arns, ["arn:x"]);
        assert_eq!(r.flag, Some(true));
    }

    #[test]
    fn type_errors_are_errors() {
        assert!(from_params::<Request>(&params(&[("UserName", "a"), ("MaxItems", "x")])).is_err());
        assert!(from_params::<Request>(&params(&[])).is_err());
    }
}
