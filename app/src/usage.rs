//! The account's plan and what it uses of it, as bars: on the Databases page and on Profile.
use crate::components::load::Load;
use crate::error::AppError;
use crate::model::{AccountPlan, AccountUsage, PlanUsage, human_size, storage_threshold};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "get_usage")]
pub async fn get_usage() -> Result<PlanUsage, AppError> {
    use panel_core::services::usage;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        let mysql = state.mysql_for(&caller).await?;
        Ok(PlanUsage {
            plan: usage::plan_of(&state.store, caller.account_id).await?,
            usage: usage::of_account(&state.store, &state.store_cache, &mysql, &caller).await?,
        })
    })
    .await
}

/// One bar: `used` of `limit` (no limit: the figure alone).
struct Bar {
    label: &'static str,
    used: i64,
    limit: Option<i64>,
    bytes: bool,
}

impl Bar {
    fn text(&self) -> String {
        let show = |n: i64| {
            if self.bytes {
                human_size(u64::try_from(n).unwrap_or(0))
            } else {
                n.to_string()
            }
        };
        match self.limit {
            Some(limit) => format!("{} of {}", show(self.used), show(limit)),
            None => format!("{} (no limit)", show(self.used)),
        }
    }

    /// 80 % and more: the bar warns.
    fn near_limit(&self) -> bool {
        self.limit.is_some_and(|limit| {
            limit == 0 || self.used.saturating_mul(5) >= limit.saturating_mul(4)
        })
    }
}

/// What the customer is told at 80 % and 100 % of the plan's storage, and once writes are
/// withheld: exactly why, what still works, and how to get them back.
fn storage_banner(usage: &AccountUsage, plan: &AccountPlan) -> Option<String> {
    let (used, limit) = (usage.storage_bytes, plan.max_storage);
    let limit_bytes = limit?;
    let size = |n: i64| human_size(u64::try_from(n).unwrap_or(0));
    let grace = plan.storage_grace_hours;
    if let Some(since) = &usage.writes_withheld_since {
        return Some(format!(
            "Writes are blocked since {since}: your databases use {} of your plan's {} of storage,              for longer than its grace period of {grace} hours. INSERT, UPDATE and CREATE are refused              to your database users and the query console until usage is back under the limit;              SELECT, DELETE and DROP still work so that you can clean up (dropping or truncating a              table frees its space at once). Storage is measured again every few minutes.",
            size(used),
            size(limit_bytes)
        ));
    }
    match storage_threshold(used, limit) {
        100 => Some(format!(
            "Your databases use {} of your plan's {} of storage: the limit is reached.{} Delete data \
             (or whole tables) or ask your provider for a larger plan.",
            size(used),
            size(limit_bytes),
            usage.storage_over_since.as_ref().map_or_else(String::new, |since| format!(
                " Over it since {since}: after {grace} hours over it, INSERT, UPDATE and CREATE \
                 are refused until usage is back under the limit."
            ))
        )),
        80 => Some(format!(
            "Your databases use {} of your plan's {} of storage (80 % or more).",
            size(used),
            size(limit_bytes)
        )),
        _ => None,
    }
}

/// The plan's name and a bar per limit: databases, users, storage, backups.
#[component]
pub fn UsageBars() -> impl IntoView {
    let usage = Resource::new(|| (), |_| get_usage());
    view! {
        <section class="card usage" aria-labelledby="usage-heading" data-testid="usage">
            <h2 id="usage-heading">"Plan and usage"</h2>
            <Load resource=usage let:found>
                <UsageList found/>
            </Load>
        </section>
    }
}

#[component]
fn UsageList(found: PlanUsage) -> impl IntoView {
    let PlanUsage { plan, usage } = found;
    let bars = [
        Bar {
            label: "Databases",
            used: usage.databases,
            limit: plan.max_databases,
            bytes: false,
        },
        Bar {
            label: "Database users",
            used: usage.users,
            limit: plan.max_users,
            bytes: false,
        },
        Bar {
            label: "Storage",
            used: usage.storage_bytes,
            limit: plan.max_storage,
            bytes: true,
        },
        Bar {
            label: "Backups",
            used: usage.backup_bytes,
            limit: plan.max_backup_storage,
            bytes: true,
        },
    ];
    let storage_note = storage_banner(&usage, &plan);
    let measured = usage.storage_measured_at.map_or_else(
        || "Storage is measured in the background; the first measurement is pending.".to_owned(),
        |at| format!("Storage as measured at {at}."),
    );
    view! {
        {storage_note.map(|text| view! { <p class="warning" role="status" data-testid="storage-warning">{text}</p> })}
        <p class="muted">"Plan: " <strong>{plan.name}</strong></p>
        <dl class="usage-bars">
            {bars
                .into_iter()
                .map(|bar| {
                    let text = bar.text();
                    let class = if bar.near_limit() { "usage-bar near-limit" } else { "usage-bar" };
                    let max = bar.limit.unwrap_or(0).max(bar.used).max(1);
                    view! {
                        <div class=class>
                            <dt>{bar.label}</dt>
                            <dd>
                                <meter
                                    min="0"
                                    max=max.to_string()
                                    value=bar.used.to_string()
                                    aria-label=bar.label
                                ></meter>
                                <span>{text}</span>
                            </dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
        <p class="muted small">{measured}</p>
    }
}

#[cfg(test)]
mod tests {
    use super::Bar;
    use crate::model::{AccountPlan, AccountUsage};

    fn bar(used: i64, limit: Option<i64>, bytes: bool) -> Bar {
        Bar {
            label: "x",
            used,
            limit,
            bytes,
        }
    }

    #[test]
    fn bars_say_what_is_used_of_what_and_warn_from_80_percent() {
        assert_eq!(bar(3, Some(5), false).text(), "3 of 5");
        assert_eq!(bar(3, None, false).text(), "3 (no limit)");
        assert_eq!(bar(1536, Some(4096), true).text(), "1.5 KiB of 4.0 KiB");
        assert!(!bar(3, Some(5), false).near_limit());
        assert!(bar(4, Some(5), false).near_limit());
        assert!(!bar(40, None, false).near_limit());
    }

    fn measured(used: i64, max: Option<i64>) -> (AccountUsage, AccountPlan) {
        let usage = AccountUsage {
            databases: 1,
            users: 1,
            whitelist_hosts: 0,
            storage_bytes: used,
            storage_measured_at: None,
            backup_bytes: 0,
            storage_over_since: None,
            writes_withheld_since: None,
        };
        let plan = AccountPlan {
            name: "p".into(),
            max_databases: None,
            max_users: None,
            max_storage: max,
            max_backup_storage: None,
            max_user_connections: None,
            max_queries_per_hour: None,
            max_whitelist: None,
            storage_grace_hours: 24,
        };
        (usage, plan)
    }

    #[test]
    fn the_storage_banner_speaks_from_80_percent_and_says_when_the_limit_is_reached() {
        use super::storage_banner;
        let banner = |used, max| {
            let (usage, plan) = measured(used, max);
            storage_banner(&usage, &plan)
        };
        assert_eq!(banner(79, Some(100)), None);
        assert_eq!(banner(10_000, None), None);
        let near = banner(80, Some(100)).unwrap();
        assert!(near.contains("80 B of your plan's 100 B"), "{near}");
        let full = banner(150, Some(100)).unwrap();
        assert!(full.contains("the limit is reached"), "{full}");
    }

    #[test]
    fn over_the_limit_the_banner_names_the_grace_period_and_then_what_is_refused() {
        use super::storage_banner;
        let (mut usage, plan) = measured(150, Some(100));
        usage.storage_over_since = Some("2026-12-06T10:00:00Z".into());
        let over = storage_banner(&usage, &plan).unwrap();
        assert!(
            over.contains("Over it since 2026-12-06T10:00:00Z: after 24 hours"),
            "{over}"
        );
        usage.writes_withheld_since = Some("2026-12-07T10:00:00Z".into());
        let blocked = storage_banner(&usage, &plan).unwrap();
        assert!(
            blocked.starts_with("Writes are blocked since 2026-12-07T10:00:00Z"),
            "{blocked}"
        );
        assert!(
            blocked.contains("INSERT, UPDATE and CREATE are refused"),
            "{blocked}"
        );
        assert!(
            blocked.contains("SELECT, DELETE and DROP still work"),
            "{blocked}"
        );
    }
}
