//! What the benches that run the panel as its own process share.
use std::io::Write;
use std::process::{Child, Command, Stdio};

/// The panel's `serve` process, stopped when dropped.
pub struct Panel(pub Child);

impl Drop for Panel {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the panel's CLI on `data_dir` with `stdin`; answers what it printed.
pub fn panel(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args(args)
        .env("NOBREGAS_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "nobregas-panel {args:?} failed");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}
