use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the panel listens, keeps its data and finds the managed server (flags or NOBREGAS_* env),
/// and the limits it enforces. `Settings::new` fills every limit with its documented default; tests
/// and the CLI override single fields.
// Not Debug: the MySQL URL may hold a password.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub mysql_url: String,
}

impl Settings {
    pub fn new(listen: SocketAddr, data_dir: PathBuf, mysql_url: impl Into<String>) -> Self {
        Self { listen, data_dir, mysql_url: mysql_url.into() }
    }
}
