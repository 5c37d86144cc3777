//! Database-level privileges a customer may grant. Nothing global (FILE, SUPER, PROCESS, …) and
//! no GRANT OPTION: those would let a customer escape their prefix.
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Create,
    Drop,
    Alter,
    Index,
    References,
    CreateTemporaryTables,
    LockTables,
    CreateView,
    ShowView,
    CreateRoutine,
    AlterRoutine,
    Execute,
    Event,
    Trigger,
}

use Privilege::*;

impl Privilege {
    /// `ALL` means exactly this list, in this (canonical) order.
    pub const ALL: [Privilege; 18] = [
        Select,
        Insert,
        Update,
        Delete,
        Create,
        Drop,
        Alter,
        Index,
        References,
        CreateTemporaryTables,
        LockTables,
        CreateView,
        ShowView,
        CreateRoutine,
        AlterRoutine,
        Execute,
        Event,
        Trigger,
    ];
    pub const READ_ONLY: [Privilege; 2] = [Select, ShowView];
    pub const READ_WRITE: [Privilege; 7] = [
        Select,
        Insert,
        Update,
        Delete,
        CreateTemporaryTables,
        LockTables,
        ShowView,
    ];

    /// The keyword as MySQL spells it in GRANT and in information_schema.
    pub fn sql(self) -> &'static str {
        match self {
            Select => "SELECT",
            Insert => "INSERT",
            Update => "UPDATE",
            Delete => "DELETE",
            Create => "CREATE",
            Drop => "DROP",
            Alter => "ALTER",
            Index => "INDEX",
            References => "REFERENCES",
            CreateTemporaryTables => "CREATE TEMPORARY TABLES",
            LockTables => "LOCK TABLES",
            CreateView => "CREATE VIEW",
            ShowView => "SHOW VIEW",
            CreateRoutine => "CREATE ROUTINE",
            AlterRoutine => "ALTER ROUTINE",
            Execute => "EXECUTE",
            Event => "EVENT",
            Trigger => "TRIGGER",
        }
    }

    /// Case- and spacing-insensitive: `select`, `Lock  Tables`.
    pub fn parse(raw: &str) -> Option<Self> {
        let normal = raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        Self::ALL.into_iter().find(|p| p.sql() == normal)
    }
}

/// A requested privilege list → a sorted, de-duplicated set; `ALL` expands. Unknown or forbidden
/// names are a 422 that names them.
pub fn parse_privileges(raw: &[String]) -> Result<Vec<Privilege>, AppError> {
    if raw.is_empty() {
        return Err(AppError::validation(
            "Give at least one privilege (or revoke all with DELETE).",
        ));
    }
    let mut set = Vec::new();
    let mut rejected = Vec::new();
    for item in raw {
        if item.trim().eq_ignore_ascii_case("ALL")
            || item.trim().eq_ignore_ascii_case("ALL PRIVILEGES")
        {
            set.extend(Privilege::ALL);
        } else if let Some(p) = Privilege::parse(item) {
            set.push(p);
        } else {
            rejected.push(item.trim().to_owned());
        }
    }
    if !rejected.is_empty() {
        return Err(AppError::validation(format!(
            "Not a database privilege you can grant: {}. Allowed: ALL, {}.",
            rejected.join(", "),
            Privilege::ALL.map(Privilege::sql).join(", ")
        )));
    }
    set.sort();
    set.dedup();
    Ok(set)
}

pub fn names(privileges: &[Privilege]) -> Vec<String> {
    privileges.iter().map(|p| p.sql().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn all_expands_to_exactly_the_allowed_list() {
        assert_eq!(
            parse_privileges(&strings(&["ALL"])).unwrap(),
            Privilege::ALL.to_vec()
        );
        assert_eq!(
            parse_privileges(&strings(&["all", "SELECT"]))
                .unwrap()
                .len(),
            18
        );
    }

    #[test]
    fn lists_are_normalised() {
        let parsed =
            parse_privileges(&strings(&["insert", " Select ", "lock   tables", "SELECT"])).unwrap();
        assert_eq!(parsed, vec![Select, Insert, LockTables]);
    }

    #[test]
    fn dangerous_or_unknown_privileges_are_rejected() {
        for bad in [
            "FILE",
            "SUPER",
            "PROCESS",
            "GRANT OPTION",
            "GRANT",
            "RELOAD",
            "SHUTDOWN",
            "CREATE USER",
            "",
            "SELECT;",
        ] {
            let err = parse_privileges(&strings(&[bad])).unwrap_err();
            assert_eq!(err.code, crate::error::ErrorCode::ValidationFailed, "{bad}");
        }
        assert!(parse_privileges(&[]).is_err());
    }
}
