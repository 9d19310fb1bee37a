//! Enums that keep unknown values and read names (any case) or numbers.

use std::fmt;

use serde::de::{self, Visitor};

/// A value of an enum as it came: a name or a number.
pub(crate) enum NameOrNumber {
    Name(String),
    Number(i64),
}

struct NameOrNumberVisitor;

impl Visitor<'_> for NameOrNumberVisitor {
    type Value = NameOrNumber;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enum name or number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(NameOrNumber::Name(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(NameOrNumber::Name(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(NameOrNumber::Number(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v)
            .map_or_else(|_| NameOrNumber::Name(v.to_string()), NameOrNumber::Number))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(NameOrNumber::Name(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(NameOrNumber::Name(v.to_string()))
    }
}

pub(crate) fn deserialize_name_or_number<'de, D: de::Deserializer<'de>>(
    deserializer: D,
) -> Result<NameOrNumber, D::Error> {
    deserializer.deserialize_any(NameOrNumberVisitor)
}

/// Defines an open enum: known variants with their wire name, number and aliases, plus
/// `Other(String)` for anything else. Serialized as the wire name.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $num:literal, $wire:literal $(| $alias:literal)* ; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know, kept as the server sent it (a number is
            /// kept as its decimal text).
            Other(String),
        }

        impl $name {
            /// The name the API uses for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(value) => value,
                }
            }

            /// The value's number, where the API sends numbers.
            pub fn number(&self) -> Option<i64> {
                match self {
                    $( Self::$variant => Some($num), )+
                    Self::Other(_) => None,
                }
            }

            /// The value of a number; an unknown number is kept as [`Self::Other`].
            pub fn from_number(number: i64) -> Self {
                match number {
                    $( $num => Self::$variant, )+
                    other => Self::Other(other.to_string()),
                }
            }

            /// The value of a name, compared ignoring ASCII case (aliases included); a
            /// decimal number is read as one; anything else is kept as [`Self::Other`].
            pub fn from_name(name: &str) -> Self {
                $(
                    if name.eq_ignore_ascii_case($wire) $( || name.eq_ignore_ascii_case($alias) )* {
                        return Self::$variant;
                    }
                )+
                match name.trim().parse::<i64>() {
                    Ok(number) => Self::from_number(number),
                    Err(_) => Self::Other(name.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(match $crate::model::open_enum::deserialize_name_or_number(deserializer)? {
                    $crate::model::open_enum::NameOrNumber::Name(name) => Self::from_name(&name),
                    $crate::model::open_enum::NameOrNumber::Number(number) => Self::from_number(number),
                })
            }
        }
    };
}
