//! A database's "Connect" tab: where the server listens, which users may use the database, and
//! copyable snippets for common stacks. Passwords are never shown: every snippet reads it from the
//! `DB_PASSWORD` environment variable (the command line asks for it).
use crate::components::copy::CopyButton;
use crate::components::load::Load;
use crate::database_detail::{DatabaseHeader, DatabaseTab, get_database};
use crate::model::{ConnectionInfo, DatabaseDetail};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Stands in for the user until the database has one.
pub const USER_PLACEHOLDER: &str = "YOUR_USER";

#[derive(Debug, Clone, PartialEq)]
pub struct Snippet {
    /// Test hook: `snippet-<id>`.
    pub id: &'static str,
    pub label: &'static str,
    pub text: String,
}

/// The snippets for `user` on `database`. Names are the panel's own (validated identifiers) and
/// the host is checked at start-up, so nothing here needs quoting.
pub fn snippets(connection: &ConnectionInfo, database: &str, user: &str) -> Vec<Snippet> {
    let ConnectionInfo { host, port, socket } = connection;
    let url_host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let mut all = vec![
        Snippet {
            id: "php",
            label: "PHP (PDO)",
            text: format!(
                "$pdo = new PDO(\n    'mysql:host={host};port={port};dbname={database};charset=utf8mb4',\n    '{user}',\n    getenv('DB_PASSWORD')\n);"
            ),
        },
        Snippet {
            id: "python",
            label: "Python (PyMySQL)",
            text: format!(
                "import os\nimport pymysql\n\nconnection = pymysql.connect(\n    host=\"{host}\",\n    port={port},\n    user=\"{user}\",\n    password=os.environ[\"DB_PASSWORD\"],\n    database=\"{database}\",\n    charset=\"utf8mb4\",\n)"
            ),
        },
        Snippet {
            id: "node",
            label: "Node.js (mysql2)",
            text: format!(
                "const mysql = require('mysql2/promise');\n\nconst connection = await mysql.createConnection({{\n  host: '{host}',\n  port: {port},\n  user: '{user}',\n  password: process.env.DB_PASSWORD,\n  database: '{database}',\n}});"
            ),
        },
        Snippet {
            id: "jdbc",
            label: "JDBC URL",
            text: format!("jdbc:mysql://{url_host}:{port}/{database}?user={user}"),
        },
        Snippet {
            id: "cli",
            label: "mariadb command line",
            text: format!("mariadb -h {host} -P {port} -u {user} -p {database}"),
        },
    ];
    if let Some(socket) = socket {
        all.push(Snippet {
            id: "socket",
            label: "On the database server, over the socket",
            text: format!("mariadb -S {socket} -u {user} -p {database}"),
        });
    }
    all
}

#[component]
pub fn ConnectPage() -> impl IntoView {
    let params = use_params_map();
    let name = Signal::derive(move || params.read().get("name").unwrap_or_default());
    let detail = Resource::new(move || name.get(), get_database);
    view! {
        <DatabaseHeader name current=DatabaseTab::Connect/>
        <Load resource=detail let:detail>
            <Connect detail/>
        </Load>
    }
}

#[component]
fn Connect(detail: DatabaseDetail) -> impl IntoView {
    let DatabaseDetail {
        database,
        users,
        connection,
        ..
    } = detail;
    let user_names: Vec<String> = users.iter().map(|u| u.user.clone()).collect();
    let chosen = RwSignal::new(
        user_names
            .first()
            .cloned()
            .unwrap_or_else(|| USER_PLACEHOLDER.to_owned()),
    );
    let users_view = if users.is_empty() {
        view! {
            <p class="muted">"No user has access to this database yet. "<a href="/users">"Create a user and grant it access"</a>", then come back."</p>
        }
        .into_any()
    } else {
        let options = user_names
            .iter()
            .map(|name| view! { <option value=name.clone()>{name.clone()}</option> })
            .collect_view();
        let rows = users
            .into_iter()
            .map(|u| view! { <li><span class="mono">{u.user}</span>" — "{u.privileges.join(", ")}</li> })
            .collect_view();
        view! {
            <ul class="plain-list">{rows}</ul>
            <label for="connect-user">"Show snippets for"</label>
            <select id="connect-user" on:change=move |ev| chosen.set(event_target_value(&ev))>{options}</select>
        }
        .into_any()
    };
    let socket_text = connection.socket.clone().unwrap_or_else(|| "—".to_owned());
    let (host, port) = (connection.host.clone(), connection.port);
    let database_name = database.name.clone();
    let snippet_views = move || {
        snippets(&connection, &database_name, &chosen.get())
            .into_iter()
            .map(|Snippet { id, label, text }| {
                view! {
                    <div class="snippet">
                        <div class="card-head">
                            <h3>{label}</h3>
                            <CopyButton text=text.clone() label=format!("Copy {label}")/>
                        </div>
                        <pre><code data-testid=format!("snippet-{id}")>{text}</code></pre>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="server-heading">
            <h2 id="server-heading">"Server"</h2>
            <dl class="facts">
                <dt>"Host"</dt><dd class="mono" data-testid="connect-host">{host}</dd>
                <dt>"Port"</dt><dd class="mono" data-testid="connect-port">{port}</dd>
                <dt>"Socket"</dt><dd class="mono">{socket_text}</dd>
                <dt>"Database"</dt><dd class="mono">{database.name}</dd>
            </dl>
            <p class="hint">
                "On the database server itself, applications can connect to 127.0.0.1 or through the socket. "
                "From anywhere else, add the address to the "<a href="/whitelist">"IP whitelist"</a>" first."
            </p>
        </section>
        <section class="card" aria-labelledby="connect-users-heading">
            <h2 id="connect-users-heading">"Users with access"</h2>
            {users_view}
        </section>
        <section class="card" aria-labelledby="snippets-heading">
            <h2 id="snippets-heading">"Snippets"</h2>
            <p class="muted">"The password is never shown here: the snippets read it from the DB_PASSWORD environment variable, and the command line asks for it."</p>
            {snippet_views}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_name_the_server_database_and_user_and_never_a_password() {
        let connection = ConnectionInfo {
            host: "db.example.com".into(),
            port: 3307,
            socket: Some("/run/mysqld/mysqld.sock".into()),
        };
        let all = snippets(&connection, "acme_shop", "acme_app");
        let ids: Vec<&str> = all.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["php", "python", "node", "jdbc", "cli", "socket"]);
        for snippet in &all {
            assert!(
                snippet.text.contains("acme_shop") && snippet.text.contains("acme_app"),
                "{}",
                snippet.text
            );
        }
        assert_eq!(
            all[3].text,
            "jdbc:mysql://db.example.com:3307/acme_shop?user=acme_app"
        );
        assert_eq!(
            all[4].text,
            "mariadb -h db.example.com -P 3307 -u acme_app -p acme_shop"
        );
        assert!(
            all[0]
                .text
                .contains("mysql:host=db.example.com;port=3307;dbname=acme_shop")
        );
        let ipv6 = ConnectionInfo {
            host: "::1".into(),
            port: 3306,
            socket: None,
        };
        let all = snippets(&ipv6, "a_b", "a_c");
        assert_eq!(all.len(), 5, "no socket, no socket snippet");
        assert_eq!(all[3].text, "jdbc:mysql://[::1]:3306/a_b?user=a_c");
    }
}
