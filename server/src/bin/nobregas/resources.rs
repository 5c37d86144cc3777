//! Account, databases, users, grants, whitelist and key revocation: one function per command,
//! each one request (or two) and a table.
use crate::api::{Api, Failure, segment};
use crate::output::{Output, confirm, show, size, table};
use app::model::{
    Account, CreateDatabase, CreateUser, CreatedUser, DatabaseDetail, DatabaseList, Grant,
    NewWhitelistEntry, RevocationReceived, RevokeKey, SetPassword, SetPrivileges, UserList,
    Whitelist, WhitelistEntry,
};
use app::privilege::Privilege;
use reqwest::Method;

pub async fn account(api: &Api, output: Output) -> Result<(), Failure> {
    let body = api.get("/api/account").await?;
    show(output, &body, || {
        let account: Account = body.parse()?;
        let key = match (&account.api_key, &account.api_key_revoked_at) {
            (Some(info), _) => format!("{} (created {})", info.masked, info.created_at),
            (None, Some(at)) => format!("revoked {at} (reported as exposed)"),
            (None, None) => "none".to_owned(),
        };
        Ok(table(
            ["EMAIL", "PREFIX", "API KEY"],
            [[account.email, format!("{}_", account.prefix), key]],
        ))
    })
}

pub async fn databases_list(api: &Api, output: Output) -> Result<(), Failure> {
    let body = api.get("/api/databases").await?;
    show(output, &body, || {
        let list: DatabaseList = body.parse()?;
        let rows = list.databases.into_iter().map(|db| {
            [
                db.name,
                size(db.size_bytes),
                db.tables.to_string(),
                db.charset,
                db.collation,
            ]
        });
        Ok(table(
            ["NAME", "SIZE", "TABLES", "CHARSET", "COLLATION"],
            rows,
        ))
    })
}

pub async fn databases_show(api: &Api, output: Output, name: &str) -> Result<(), Failure> {
    let body = api
        .get(&format!("/api/databases/{}", segment(name)))
        .await?;
    show(output, &body, || {
        let detail: DatabaseDetail = body.parse()?;
        let db = &detail.database;
        let connection = &detail.connection;
        let facts = table(
            [
                "NAME",
                "SIZE",
                "TABLES",
                "CHARSET",
                "COLLATION",
                "HOST",
                "PORT",
            ],
            [[
                db.name.clone(),
                size(db.size_bytes),
                db.tables.to_string(),
                db.charset.clone(),
                db.collation.clone(),
                connection.host.clone(),
                connection.port.to_string(),
            ]],
        );
        let tables = table(
            ["TABLE", "ROWS", "SIZE"],
            detail
                .table_list
                .iter()
                .map(|t| [t.name.clone(), t.rows.to_string(), size(t.size_bytes)]),
        );
        let users = table(
            ["USER", "PRIVILEGES"],
            detail
                .users
                .iter()
                .map(|u| [u.user.clone(), u.privileges.join(", ")]),
        );
        Ok(format!("{facts}\n\n{tables}\n\n{users}"))
    })
}

pub async fn databases_create(
    api: &Api,
    output: Output,
    request: CreateDatabase,
) -> Result<(), Failure> {
    let body = api
        .send_json(Method::POST, "/api/databases", &request)
        .await?;
    show(output, &body, || {
        Ok(format!("Created database {}.", request.name))
    })
}

pub async fn databases_delete(api: &Api, name: &str, yes: bool) -> Result<(), Failure> {
    confirm(
        &format!("Delete database {name} and everything in it?"),
        yes,
    )?;
    api.delete(&format!("/api/databases/{}", segment(name)))
        .await?;
    eprintln!("Deleted database {name}.");
    Ok(())
}

pub async fn users_list(api: &Api, output: Output) -> Result<(), Failure> {
    let body = api.get("/api/users").await?;
    show(output, &body, || {
        let list: UserList = body.parse()?;
        let rows = list.users.into_iter().map(|user| {
            let grants = user
                .databases
                .iter()
                .map(|d| format!("{}: {}", d.database, d.privileges.join(", ")))
                .collect::<Vec<_>>();
            [user.name, grants.join("; ")]
        });
        Ok(table(["NAME", "PRIVILEGES"], rows))
    })
}

pub async fn users_create(
    api: &Api,
    output: Output,
    name: String,
    password: Option<String>,
) -> Result<(), Failure> {
    let body = api
        .send_json(Method::POST, "/api/users", &CreateUser { name, password })
        .await?;
    show(output, &body, || {
        let created: CreatedUser = body.parse()?;
        Ok(match created.password {
            Some(password) => format!(
                "Created user {}. Its password (shown only now):\n{password}",
                created.name
            ),
            None => format!("Created user {}.", created.name),
        })
    })
}

pub async fn users_passwd(api: &Api, name: &str, password: String) -> Result<(), Failure> {
    api.send_json(
        Method::PUT,
        &format!("/api/users/{}/password", segment(name)),
        &SetPassword { password },
    )
    .await?;
    eprintln!("Changed the password of {name}.");
    Ok(())
}

pub async fn users_delete(api: &Api, name: &str, yes: bool) -> Result<(), Failure> {
    confirm(
        &format!("Delete database user {name} (its open sessions end)?"),
        yes,
    )?;
    api.delete(&format!("/api/users/{}", segment(name))).await?;
    eprintln!("Deleted user {name}.");
    Ok(())
}

/// `read-only`, `read-write` and `all` stand for the Users page's presets; anything else is a
/// privilege name as MySQL spells it (the API checks it).
pub fn expand_presets(privileges: &[String]) -> Vec<String> {
    let names = |list: &[Privilege]| list.iter().map(|p| p.sql().to_owned()).collect::<Vec<_>>();
    privileges
        .iter()
        .flat_map(|p| match p.to_ascii_lowercase().as_str() {
            "read-only" => names(&Privilege::READ_ONLY),
            "read-write" => names(&Privilege::READ_WRITE),
            "all" => vec!["ALL".to_owned()],
            _ => vec![p.clone()],
        })
        .collect()
}

pub async fn grants_set(
    api: &Api,
    output: Output,
    user: &str,
    database: &str,
    privileges: &[String],
) -> Result<(), Failure> {
    let path = format!(
        "/api/users/{}/privileges/{}",
        segment(user),
        segment(database)
    );
    let body = api
        .send_json(
            Method::PUT,
            &path,
            &SetPrivileges {
                privileges: expand_presets(privileges),
            },
        )
        .await?;
    show(output, &body, || {
        let grant: Grant = body.parse()?;
        Ok(format!(
            "{} may now on {}: {}",
            grant.user,
            grant.database,
            grant.privileges.join(", ")
        ))
    })
}

pub async fn grants_revoke(api: &Api, user: &str, database: &str) -> Result<(), Failure> {
    api.delete(&format!(
        "/api/users/{}/privileges/{}",
        segment(user),
        segment(database)
    ))
    .await?;
    eprintln!("{user} has no privileges on {database} any more.");
    Ok(())
}

pub async fn whitelist_list(api: &Api, output: Output) -> Result<(), Failure> {
    let body = api.get("/api/whitelist").await?;
    show(output, &body, || {
        let list: Whitelist = body.parse()?;
        let rows = list
            .entries
            .into_iter()
            .map(|e| [e.id.to_string(), e.host, e.note, e.created_at]);
        Ok(table(["ID", "HOST", "NOTE", "ADDED"], rows))
    })
}

pub async fn whitelist_add(
    api: &Api,
    output: Output,
    host: String,
    note: Option<String>,
) -> Result<(), Failure> {
    let body = api
        .send_json(
            Method::POST,
            "/api/whitelist",
            &NewWhitelistEntry { host, note },
        )
        .await?;
    show(output, &body, || {
        let entry: WhitelistEntry = body.parse()?;
        Ok(format!("Added {} (id {}).", entry.host, entry.id))
    })
}

/// Not confirmed: an entry is added back as easily (its connections end, no data is lost).
pub async fn whitelist_remove(api: &Api, id: i64) -> Result<(), Failure> {
    api.delete(&format!("/api/whitelist/{id}")).await?;
    eprintln!("Removed whitelist entry {id}.");
    Ok(())
}

/// Reports a key found where it should not be; no key of one's own needed.
pub async fn revoke_leaked(api: &Api, key: String) -> Result<(), Failure> {
    let body = api
        .send_json(Method::POST, "/api/keys/revoke", &RevokeKey { key })
        .await?;
    let received: RevocationReceived = body.parse()?;
    eprintln!("{}", received.message);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_expand_to_the_pages_privilege_lists() {
        assert_eq!(
            expand_presets(&["read-only".into()]),
            ["SELECT", "SHOW VIEW"]
        );
        assert_eq!(expand_presets(&["all".into()]), ["ALL"]);
        assert_eq!(
            expand_presets(&["select".into(), "INSERT".into()]),
            ["select", "INSERT"]
        );
        assert_eq!(expand_presets(&["read-write".into()]).len(), 7);
    }
}
