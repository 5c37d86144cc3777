//! Enums that travel as one word (`"completed"`, `"sql_error"`). Their `Deserialize` looks the word
//! up in the enum's list instead of using serde's derived visitor, which costs about 1.5 KB of
//! browser WASM per enum; `Serialize` stays derived where the OpenAPI schema reads its
//! `rename_all`.
use serde::{Deserialize, Deserializer};

pub trait Word: Copy + 'static {
    /// Every value; a new variant goes here too (each enum's round-trip test reads this list).
    const ALL: &'static [Self];
    /// The wire form (each enum's own `as_str`).
    fn word(self) -> &'static str;
}

pub fn deserialize<'de, D: Deserializer<'de>, T: Word>(deserializer: D) -> Result<T, D::Error> {
    let word = String::deserialize(deserializer)?;
    T::ALL
        .iter()
        .copied()
        .find(|value| value.word() == word)
        .ok_or_else(|| serde::de::Error::custom(format_args!("unknown value `{word}`")))
}

/// `impl Deserialize` through [`deserialize`] for each listed `Word` enum.
#[macro_export]
macro_rules! deserialize_as_word {
    ($($name:ty),+ $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::word::deserialize(deserializer)
            }
        }
    )+};
}

#[cfg(test)]
pub mod tests {
    use super::Word;
    use serde::{Serialize, de::DeserializeOwned};
    use std::fmt::Debug;

    /// Every value serialises as its word and comes back; no word is listed twice.
    pub fn round_trips<T: Word + Serialize + DeserializeOwned + PartialEq + Debug>() {
        for &value in T::ALL {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{}\"", value.word()));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        }
        let mut words: Vec<_> = T::ALL.iter().map(|value| value.word()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), T::ALL.len(), "a word listed twice");
        let unknown = serde_json::from_str::<T>("\"teapot\"").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown value `teapot`"),
            "{unknown}"
        );
    }
}
