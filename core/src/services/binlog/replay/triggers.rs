//! Triggers stay off while a replay runs: the binary log already holds every row a trigger
//! changed, as row events of their own (in row format a replica never fires them either), so a
//! trigger firing on the replayed rows would change those rows twice. They are dropped, then
//! created again as they were (their `sql_mode` too) when the replay ends, whatever its outcome.
use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use types::tables::ident::quote;

/// A trigger as `SHOW CREATE TRIGGER` gave it.
pub struct Saved {
    sql_mode: String,
    create: String,
}

/// Drops the target's triggers (in their firing order), keeping how to create them again.
pub async fn suspend(conn: &mut Conn, saved: &mut Vec<Saved>) -> Result<(), String> {
    let failed = |err: mysql_async::Error| format!("Setting the triggers aside failed: {err}");
    let names: Vec<String> = conn
        .query(
            "SELECT CAST(TRIGGER_NAME AS CHAR) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
             ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
        )
        .await
        .map_err(failed)?;
    for name in names {
        let row: Option<mysql_async::Row> = conn
            .query_first(format!("SHOW CREATE TRIGGER {}", quote(&name)))
            .await
            .map_err(failed)?;
        let Some(row) = row else { continue };
        let (Some(sql_mode), Some(create)) = (row.get::<String, _>(1), row.get::<String, _>(2))
        else {
            return Err(format!("SHOW CREATE TRIGGER {name} said nothing usable"));
        };
        conn.query_drop(format!("DROP TRIGGER {}", quote(&name)))
            .await
            .map_err(failed)?;
        saved.push(Saved { sql_mode, create });
    }
    Ok(())
}

/// Creates the saved triggers again, in order; the session's `sql_mode` is left as the last one's.
pub async fn restore(conn: &mut Conn, saved: Vec<Saved>) -> Result<(), String> {
    for trigger in saved {
        conn.exec_drop("SET SESSION sql_mode = ?", (trigger.sql_mode,))
            .await
            .map_err(|err| err.to_string())?;
        conn.query_drop(trigger.create)
            .await
            .map_err(|err| format!("Creating a trigger again after the replay failed: {err}"))?;
    }
    Ok(())
}
