//! The base of point-in-time recovery (issue 27): every managed server's binary log, archived by
//! the panel as the server writes it, into files of the same name under
//! `<data dir>/binlog/<server>/` (real binary log files: `mariadb-binlog` reads them), with where
//! the archive stands in the store (`binlog_archives`, `binlog_segments`). Full backups record
//! their place in the log (`backups.binlog_file`/`binlog_pos`), where a restore to a point in time
//! starts replaying.
//!
//! The archiver runs on the instance that holds the maintenance lease, one task per server
//! (`archive::run`); a server without what it needs (`requirements`) is re-checked every minute.
pub mod archive;
pub mod replay;
pub mod requirements;
pub mod segments;
pub mod status;
