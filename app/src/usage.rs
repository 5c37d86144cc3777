//! The account's plan and what it uses of it, as bars: on the Databases page and on Profile.
use crate::components::load::Load;
use crate::error::AppError;
use crate::model::{PlanUsage, human_size, storage_threshold};
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

/// What the customer is told at 80 % and 100 % of the plan's storage.
fn storage_banner(used: i64, limit: Option<i64>) -> Option<String> {
    let limit_bytes = limit?;
    let size = |n: i64| human_size(u64::try_from(n).unwrap_or(0));
    match storage_threshold(used, limit) {
        100 => Some(format!(
            "Your databases use {} of your plan's {} of storage: the limit is reached. Delete data \
             (or whole tables) or ask your provider for a larger plan.",
            size(used),
            size(limit_bytes)
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
    let storage_note = storage_banner(usage.storage_bytes, plan.max_storage);
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

    #[test]
    fn the_storage_banner_speaks_from_80_percent_and_says_when_the_limit_is_reached() {
        use super::storage_banner;
        assert_eq!(storage_banner(79, Some(100)), None);
        assert_eq!(storage_banner(10_000, None), None);
        let near = storage_banner(80, Some(100)).unwrap();
        assert!(near.contains("80 B of your plan's 100 B"), "{near}");
        let full = storage_banner(150, Some(100)).unwrap();
        assert!(full.contains("the limit is reached"), "{full}");
    }
}
