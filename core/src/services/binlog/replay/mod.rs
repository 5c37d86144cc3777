//! A database restored to a second: after its full backup is loaded, the archive's changes to it
//! from the backup's place in the log up to that second are read (`decode`, on a blocking
//! thread) and run on the restore's own session (`apply`), as the account's identity — the same
//! rights as the customer's own SQL, never the admin's. Only the row events of the source
//! database's tables and the statements run with it as default database are replayed: another
//! tenant's changes on the same server never are.
pub mod apply;
pub mod decode;
pub mod literal;
pub mod triggers;

pub use apply::Applied;
pub use decode::Reading;

/// Reads and applies together (a bounded queue between them); the first failure stops both.
pub async fn run(
    conn: &mut mysql_async::Conn,
    prefix: &str,
    statement_bytes: usize,
    reading: Reading,
) -> Result<Applied, String> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel(256);
    let reader = tokio::task::spawn_blocking(move || {
        decode::read(&reading, |change| sender.blocking_send(change).is_ok())
    });
    let mut applier = apply::Applier::new(conn, prefix, statement_bytes).await?;
    let mut outcome = Ok(());
    while let Some(change) = receiver.recv().await {
        if let Err(err) = applier.apply(change).await {
            outcome = Err(err);
            break;
        }
    }
    drop(receiver);
    let read = reader
        .await
        .map_err(|err| format!("Reading the binary log archive failed: {err}"))
        .and_then(|read| {
            read.map_err(|err| format!("Reading the binary log archive failed: {err}"))
        });
    applier.finish(outcome.and(read)).await
}
