use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the panel listens, keeps its data and finds the managed server (flags or NOBREGAS_* env).
// Not Debug: the MySQL URL may hold a password.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub mysql_url: String,
}
