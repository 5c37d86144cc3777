//! Account, databases, users, grants, whitelist and key revocation: one function per command,
//! each one request (or two) and a table.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, confirm, show, size, table};
use types::model::{
    CreateDatabase, CreateUser, NewWhitelistEntry, RevokeKey, SetPassword, SetPrivileges,
};
use types::privilege::Privilege;

pub async fn account(api: &Api, output: Output) -> Result<(), Failure> {
    let answer = api.client().get_account().await?;
    show(output, &Body::from(&answer), || {
        let account = answer.value;
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
    let answer = api.client().list_databases().await?;
    show(output, &Body::from(&answer), || {
        let list = answer.value;
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
    let answer = api.client().get_database(name).await?;
    show(output, &Body::from(&answer), || {
        let detail = answer.value;
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
    let answer = api.client().create_database(&request).await?;
    show(output, &Body::from(&answer), || {
        Ok(format!("Created database {}.", request.name))
    })
}

pub async fn databases_delete(api: &Api, name: &str, yes: bool) -> Result<(), Failure> {
    confirm(
        &format!("Delete database {name} and everything in it?"),
        yes,
    )?;
    api.client().delete_database(name).await?;
    eprintln!("Deleted database {name}.");
    Ok(())
}

pub async fn users_list(api: &Api, output: Output) -> Result<(), Failure> {
    let answer = api.client().list_users().await?;
    show(output, &Body::from(&answer), || {
        let list = answer.value;
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
    let answer = api
        .client()
        .create_user(&CreateUser { name, password })
        .await?;
    show(output, &Body::from(&answer), || {
        let created = answer.value;
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
    api.client()
        .set_user_password(name, &SetPassword { password })
        .await?;
    eprintln!("Changed the password of {name}.");
    Ok(())
}

pub async fn users_delete(api: &Api, name: &str, yes: bool) -> Result<(), Failure> {
    confirm(
        &format!("Delete database user {name} (its open sessions end)?"),
        yes,
    )?;
    api.client().delete_user(name).await?;
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
    let request = SetPrivileges {
        privileges: expand_presets(privileges),
    };
    let answer = api
        .client()
        .set_privileges(user, database, &request)
        .await?;
    show(output, &Body::from(&answer), || {
        let grant = answer.value;
        Ok(format!(
            "{} may now on {}: {}",
            grant.user,
            grant.database,
            grant.privileges.join(", ")
        ))
    })
}

pub async fn grants_revoke(api: &Api, user: &str, database: &str) -> Result<(), Failure> {
    api.client().revoke_privileges(user, database).await?;
    eprintln!("{user} has no privileges on {database} any more.");
    Ok(())
}

pub async fn whitelist_list(api: &Api, output: Output) -> Result<(), Failure> {
    let answer = api.client().list_whitelist().await?;
    show(output, &Body::from(&answer), || {
        let list = answer.value;
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
    let answer = api
        .client()
        .add_whitelist_entry(&NewWhitelistEntry { host, note })
        .await?;
    show(output, &Body::from(&answer), || {
        let entry = answer.value;
        Ok(format!("Added {} (id {}).", entry.host, entry.id))
    })
}

/// Not confirmed: an entry is added back as easily (its connections end, no data is lost).
pub async fn whitelist_remove(api: &Api, id: i64) -> Result<(), Failure> {
    api.client().remove_whitelist_entry(id).await?;
    eprintln!("Removed whitelist entry {id}.");
    Ok(())
}

/// Reports a key found where it should not be; no key of one's own needed.
pub async fn revoke_leaked(api: &Api, key: String) -> Result<(), Failure> {
    let received = api
        .client()
        .revoke_exposed_key(&RevokeKey { key })
        .await?
        .value;
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
