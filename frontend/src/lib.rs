//! The browser entry: hydrates the server-rendered page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::document;
    // Readable panic messages in the console cost the formatting machinery in the WASM; release
    // builds (`panic = "abort"`) report a panic as a trap instead.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // The signed-in pages are lazy routes (their own WASM chunks): hydration waits for the page's
    // chunk, which the server already named in a `modulepreload` link.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        // Server-rendered buttons exist before their handlers do; tests (and people) can wait for this.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
