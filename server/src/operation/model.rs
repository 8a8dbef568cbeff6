//! Request constraints as the botocore models state them (length, pattern, range, enum,
//! required), checked in one place, with AWS's own "N validation errors detected" message.

use std::collections::HashMap;

/// One request member's constraints.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    /// The member's wire name, e.g. `UserName`.
    pub name: &'static str,
    pub required: bool,
    pub shape: Shape,
    /// A password: a violation names the member, never its value.
    pub sensitive: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Str {
        min: usize,
        max: usize,
        pattern: Option<Pattern>,
    },
    Int {
        min: i64,
        max: i64,
    },
    Enum(&'static [&'static str]),
    /// `Tags.member.N.Key` / `.Value`: keys of 1–128, values of at most 256 characters,
    /// at most 50 tags.
    Tags,
}

/// A pattern check and the regular expression AWS names in its message.
#[derive(Clone, Copy)]
pub struct Pattern {
    pub check: fn(&str) -> bool,
    pub text: &'static str,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text)
    }
}

impl Member {
    /// A string member.
    pub const fn string(
        name: &'static str,
        min: usize,
        max: usize,
        pattern: Option<Pattern>,
    ) -> Self {
        Member {
            name,
            required: false,
            shape: Shape::Str { min, max, pattern },
            sensitive: false,
        }
    }

    pub const fn int(name: &'static str, min: i64, max: i64) -> Self {
        Member {
            name,
            required: false,
            shape: Shape::Int { min, max },
            sensitive: false,
        }
    }

    pub const fn one_of(name: &'static str, allowed: &'static [&'static str]) -> Self {
        Member {
            name,
            required: false,
            shape: Shape::Enum(allowed),
            sensitive: false,
        }
    }

    pub const fn tags() -> Self {
        Member {
            name: "Tags",
            required: false,
            shape: Shape::Tags,
            sensitive: false,
        }
    }

    /// The same member, required.
    pub const fn required(self) -> Self {
        Member {
            required: true,
            ..self
        }
    }

    /// The same member, marked as a secret (botocore's `sensitive`).
    pub const fn sensitive(self) -> Self {
        Member {
            sensitive: true,
            ..self
        }
    }

    /// The same constraints under another name.
    pub const fn named(self, name: &'static str) -> Self {
        Member { name, ..self }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `[\w+=,.@-]+`
pub const NAME: Pattern = Pattern {
    check: |s| !s.is_empty() && s.bytes().all(|b| is_word(b) || b"+=,.@-".contains(&b)),
    text: r"[\w+=,.@-]+",
};
/// `[\w+=,.@-]*`
pub const NAME_OR_EMPTY: Pattern = Pattern {
    check: |s| s.bytes().all(|b| is_word(b) || b"+=,.@-".contains(&b)),
    text: r"[\w+=,.@-]*",
};
/// `[\w+=,.@:\/-]*` (STS's external ID)
pub const EXTERNAL_ID_PATTERN: Pattern = Pattern {
    check: |s| s.bytes().all(|b| is_word(b) || b"+=,.@:/-".contains(&b)),
    text: r"[\w+=,.@:\/-]*",
};
/// `[\w]+`
pub const WORD: Pattern = Pattern {
    check: |s| !s.is_empty() && s.bytes().all(is_word),
    text: r"[\w]+",
};
/// IAM paths: `/` alone, or `/` + segments + `/`, at most 512 characters of printable ASCII.
pub fn is_valid_path(path: &str) -> bool {
    (1..=512).contains(&path.len())
        && path.starts_with('/')
        && path.ends_with('/')
        && path.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
pub const PATH: Pattern = Pattern {
    check: is_valid_path,
    text: r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
};
/// `\u002F[\u0021-\u007F]*`
pub const PATH_PREFIX: Pattern = Pattern {
    check: |s| s.starts_with('/') && s.bytes().all(|b| (0x21..=0x7f).contains(&b)),
    text: r"\u002F[\u0021-\u007F]*",
};
/// `[\u0009\u000A\u000D\u0020-\u00FF]+`
pub const TEXT: Pattern = Pattern {
    check: |s| {
        !s.is_empty()
            && s.chars()
                .all(|c| matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{ff}').contains(&c))
    },
    text: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
};

/// The member's name as AWS prints it in messages: `userName`.
fn camel(member: &str) -> String {
    let mut c = member.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

struct Violations(Vec<String>);

impl Violations {
    fn add(&mut self, member: &str, value: Option<&str>, constraint: impl std::fmt::Display) {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".into(),
        };
        self.0.push(format!(
            "Value {value} at '{}' failed to satisfy constraint: {constraint}",
            camel(member)
        ));
    }

    fn string(
        &mut self,
        m: &Member,
        value: &str,
        min: usize,
        max: usize,
        pattern: Option<Pattern>,
    ) {
        let len = value.chars().count();
        if m.sensitive {
            let ok = len >= min && len <= max && pattern.is_none_or(|p| (p.check)(value));
            if !ok {
                self.0.push(format!(
                    "Value at '{}' failed to satisfy constraint: Member must satisfy the \
                     length and character constraints of its type",
                    camel(m.name)
                ));
            }
            return;
        }
        if len < min {
            self.add(
                m.name,
                Some(value),
                format!("Member must have length greater than or equal to {min}"),
            );
        } else if len > max {
            self.add(
                m.name,
                Some(value),
                format!("Member must have length less than or equal to {max}"),
            );
        } else if let Some(p) = pattern
            && !(p.check)(value)
        {
            self.add(
                m.name,
                Some(value),
                format!("Member must satisfy regular expression pattern: {}", p.text),
            );
        }
    }

    fn int(&mut self, m: &Member, raw: &str, min: i64, max: i64) {
        let Ok(v) = raw.parse::<i64>() else {
            self.add(m.name, Some(raw), "Member must be a number");
            return;
        };
        if v < min {
            self.add(
                m.name,
                Some(raw),
                format!("Member must have value greater than or equal to {min}"),
            );
        } else if v > max {
            self.add(
                m.name,
                Some(raw),
                format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    fn tags(&mut self, params: &HashMap<String, String>) {
        let mut count = 0;
        for n in 1.. {
            let Some(key) = params.get(&format!("Tags.member.{n}.Key")) else {
                break;
            };
            count = n;
            let value = params
                .get(&format!("Tags.member.{n}.Value"))
                .map(String::as_str)
                .unwrap_or_default();
            if key.is_empty() || key.chars().count() > 128 {
                self.add(
                    &format!("tags.{n}.member.key"),
                    Some(key),
                    "Member must have length between 1 and 128",
                );
            }
            if value.chars().count() > 256 {
                self.add(
                    &format!("tags.{n}.member.value"),
                    Some(value),
                    "Member must have length less than or equal to 256",
                );
            }
        }
        if count > 50 {
            self.0.push(format!(
                "Value '{count}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
            ));
        }
    }
}

/// Checks `params` (flat Query parameters) against `members`; `Err` holds AWS's message
/// naming every violation.
pub fn validate(members: &[Member], params: &HashMap<String, String>) -> Result<(), String> {
    let mut v = Violations(Vec::new());
    for m in members {
        if let Shape::Tags = m.shape {
            v.tags(params);
            continue;
        }
        let Some(value) = params.get(m.name) else {
            if m.required {
                v.add(m.name, None, "Member must not be null");
            }
            continue;
        };
        match m.shape {
            Shape::Str { min, max, pattern } => v.string(m, value, min, max, pattern),
            Shape::Int { min, max } => v.int(m, value, min, max),
            Shape::Enum(allowed) => {
                if !allowed.contains(&value.as_str()) {
                    v.add(
                        m.name,
                        Some(value),
                        format!(
                            "Member must satisfy enum value set: [{}]",
                            allowed.join(", ")
                        ),
                    );
                }
            }
            Shape::Tags => {}
        }
    }
    if v.0.is_empty() {
        return Ok(());
    }
    let n = v.0.len();
    Err(format!(
        "{n} validation error{} detected: {}",
        if n == 1 { "" } else { "s" },
        v.0.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: Member = Member::string("UserName", 1, 64, Some(NAME)).required();

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn validation_messages_match_aws() {
        let e = validate(&[USER], &params(&[("UserName", "bad name")])).unwrap_err();
        assert_eq!(
            e,
            r"1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
        );
        let max = Member::int("MaxItems", 1, 1000);
        let e = validate(&[USER, max], &params(&[])).unwrap_err();
        assert!(
            e.starts_with("1 validation error detected: Value null at 'userName'"),
            "{e}"
        );
        let e = validate(
            &[USER, max],
            &params(&[("MaxItems", "0"), ("UserName", "")]),
        )
        .unwrap_err();
        assert!(e.starts_with("2 validation errors detected"), "{e}");
        assert!(validate(&[USER, max], &params(&[("UserName", "ok")])).is_ok());
    }

    #[test]
    fn enums_and_tags() {
        let status = Member::one_of("Status", &["Active", "Inactive"]).required();
        let e = validate(&[status], &params(&[("Status", "On")])).unwrap_err();
        assert!(
            e.contains("Member must satisfy enum value set: [Active, Inactive]"),
            "{e}"
        );
        let e = validate(
            &[Member::tags()],
            &params(&[("Tags.member.1.Key", ""), ("Tags.member.1.Value", "v")]),
        )
        .unwrap_err();
        assert!(e.contains("at 'tags.1.member.key'"), "{e}");
    }
}
