//! How one value reads in the grid: NULL as such, numbers to the right, long text cut short with
//! a button that shows all of it, binary as its first bytes in hex with its size and a download.
use crate::model::human_size;
use crate::query::QueryColumn;
use leptos::prelude::*;
use serde_json::Value;

/// Characters of text shown before a value is cut short.
pub const SHORT_TEXT: usize = 80;
/// Bytes of a binary value shown in hex.
const HEX_BYTES: usize = 16;

/// The bytes of a base64 value (standard alphabet, padding optional); `None` if it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `0x48656C6C6F…` for the first bytes (all of them when short enough).
pub fn hex_preview(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(HEX_BYTES)
        .map(|b| format!("{b:02X}"))
        .collect();
    let more = if bytes.len() > HEX_BYTES { "…" } else { "" };
    format!("0x{shown}{more}")
}

/// The first `SHORT_TEXT` characters, `None` when the text is short enough to show whole.
pub fn shortened(text: &str) -> Option<String> {
    let mut chars = text.char_indices();
    let (cut, _) = chars.nth(SHORT_TEXT)?;
    Some(format!("{}…", &text[..cut]))
}

/// "1 row", "2 rows".
pub fn rows_text(n: usize) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

/// A value as an editor's text box holds it (NULL has no text: the NULL box says it).
pub fn plain_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The key as a row's checkbox names it: `7`, or `1, en` for a composite key.
pub fn key_label(key: &[String], columns: &[QueryColumn], row: &[Value]) -> String {
    key.iter()
        .filter_map(|name| columns.iter().position(|c| c.name == *name))
        .filter_map(|i| row.get(i))
        .map(plain_text)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn is_binary(column: &QueryColumn) -> bool {
    column.encoding.as_deref() == Some("base64")
}

/// The contents of one grid cell.
#[component]
pub fn CellValue(
    column: QueryColumn,
    value: Value,
    #[prop(into)] file_name: String,
) -> impl IntoView {
    match value {
        Value::Null => view! { <span class="null">"NULL"</span> }.into_any(),
        Value::String(data) if is_binary(&column) => {
            let bytes = base64_decode(&data).unwrap_or_default();
            let href = format!("data:application/octet-stream;base64,{data}");
            let label = format!(
                "Download {} ({})",
                column.name,
                human_size(bytes.len() as u64)
            );
            view! {
                <span class="binary">
                    <span class="hex">{hex_preview(&bytes)}</span>
                    " "
                    <span class="muted">{human_size(bytes.len() as u64)}</span>
                    " "
                    <a href=href download=file_name aria-label=label>"Download"</a>
                </span>
            }
            .into_any()
        }
        Value::String(text) => match shortened(&text) {
            Some(short) => view! { <LongText short full=text/> }.into_any(),
            None => view! { <span>{text}</span> }.into_any(),
        },
        other => view! { <span>{other.to_string()}</span> }.into_any(),
    }
}

/// Text longer than a cell: its start and "More", which shows all of it (and "Less" again).
#[component]
fn LongText(short: String, full: String) -> impl IntoView {
    let expanded = RwSignal::new(false);
    let full = StoredValue::new(full);
    view! {
        <span class=move || if expanded.get() { "long-text expanded" } else { "long-text" }>
            {move || if expanded.get() { full.get_value() } else { short.clone() }}
        </span>
        " "
        <button
            type="button"
            class="link-button"
            aria-expanded=move || expanded.get().to_string()
            on:click=move |ev| {
                ev.stop_propagation();
                expanded.update(|e| *e = !*e);
            }
            on:dblclick=|ev| ev.stop_propagation()
            on:keydown=|ev| ev.stop_propagation()
        >
            {move || if expanded.get() { "Less" } else { "More" }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_or_without_padding() {
        assert_eq!(base64_decode("SGVsbG8=").unwrap(), b"Hello");
        assert_eq!(base64_decode("SGVsbG8").unwrap(), b"Hello");
        assert_eq!(base64_decode("AP8=").unwrap(), vec![0, 255]);
        assert_eq!(base64_decode("").unwrap(), Vec::<u8>::new());
        assert_eq!(base64_decode("*"), None);
    }

    #[test]
    fn binary_reads_as_hex() {
        assert_eq!(hex_preview(b"Hi"), "0x4869");
        assert_eq!(hex_preview(&[0xAB; 20]), format!("0x{}…", "AB".repeat(16)));
    }

    #[test]
    fn long_text_is_cut_at_a_character() {
        assert_eq!(shortened("short"), None);
        let long = "é".repeat(SHORT_TEXT + 1);
        assert_eq!(
            shortened(&long).unwrap(),
            format!("{}…", "é".repeat(SHORT_TEXT))
        );
        assert_eq!(shortened(&"x".repeat(SHORT_TEXT)), None);
    }

    #[test]
    fn keys_name_their_rows() {
        let column = |name: &str| QueryColumn {
            name: name.into(),
            type_name: "INT".into(),
            encoding: None,
        };
        let columns = vec![column("id"), column("lang"), column("text")];
        let row = vec![Value::from(1), Value::from("en"), Value::from("x")];
        assert_eq!(
            key_label(&["id".into(), "lang".into()], &columns, &row),
            "1, en"
        );
        assert_eq!(key_label(&["id".into()], &columns, &row), "1");
    }
}
