//! Runs a Node.js driver script (the phoenix client, the browser driver)
//! and reads what it saw: one JSON value per line of its stdout.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Runs `node script args..` off the async runtime, asserts it succeeded
/// (printing its stdout and stderr otherwise, under `what`), and parses its
/// stdout as JSON lines; its stderr is returned beside them, for the
/// caller's own failure messages.
pub async fn json_lines(
    script: PathBuf,
    args: Vec<String>,
    what: &'static str,
) -> (Vec<Value>, String) {
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args(args)
            .output()
            .expect("node runs")
    })
    .await
    .expect("the node process is awaited");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let seen = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("the driver prints JSON lines"))
        .collect();
    (seen, stderr.into_owned())
}
