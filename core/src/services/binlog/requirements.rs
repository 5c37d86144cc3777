//! What a server needs before its binary log can be archived, said in the operator's words:
//! `server add`, start-up, `server list` and the archiver itself ask.
use sqlx::MySqlPool;

/// What the server lacks for point-in-time recovery; empty: nothing.
pub async fn missing(pool: &MySqlPool) -> Result<Vec<String>, sqlx::Error> {
    let (log_bin, format, image, trust): (i64, String, String, i64) = sqlx::query_as(
        "SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@log_bin_trust_function_creators",
    )
    .fetch_one(pool)
    .await?;
    let mut missing = Vec::new();
    if log_bin == 0 {
        missing.push("the binary log is off (start mariadbd with --log-bin)".to_owned());
    } else if trust == 0 {
        // With the log on, MariaDB lets only SUPER create triggers and routines: customers could
        // not, nor could a restore (of a backup, or to a point in time) as their identity.
        missing.push(
            "log_bin_trust_function_creators is OFF, so customers cannot create triggers or routines (set log_bin_trust_function_creators=ON)"
                .to_owned(),
        );
    }
    if !format.eq_ignore_ascii_case("ROW") {
        missing.push(format!(
            "binlog_format is {format}, it must be ROW (binlog_format=ROW)"
        ));
    }
    if !image.eq_ignore_ascii_case("FULL") {
        missing.push(format!(
            "binlog_row_image is {image}, it must be FULL (binlog_row_image=FULL)"
        ));
    }
    let grants: Vec<String> = sqlx::query_scalar("SHOW GRANTS")
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    let global = grants
        .iter()
        .filter(|grant| grant.contains(" ON *.* TO "))
        .map(|grant| grant.to_ascii_uppercase())
        .collect::<Vec<_>>();
    let has = |privilege: &str| {
        global
            .iter()
            .any(|grant| grant.contains("ALL PRIVILEGES") || grant.contains(privilege))
    };
    for (privilege, why) in [
        ("REPLICATION SLAVE", "to read the binary log"),
        ("BINLOG MONITOR", "to see its position"),
    ] {
        // MariaDB before 10.5 called BINLOG MONITOR REPLICATION CLIENT.
        let older_name = privilege == "BINLOG MONITOR" && has("REPLICATION CLIENT");
        if !has(privilege) && !older_name {
            missing.push(format!(
                "the panel's admin user needs the {privilege} privilege {why}"
            ));
        }
    }
    Ok(missing)
}

/// One sentence for `server add`, start-up and `server list`.
pub fn explain(server: &str, missing: &[String]) -> String {
    format!(
        "point-in-time recovery is off on {server}: {}",
        missing.join("; ")
    )
}
