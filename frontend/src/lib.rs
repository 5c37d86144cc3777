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

/// Room for `cargo leptos build --split` to re-pack the read-only data. wasm-split moves each
/// constant into the chunk that uses it and pads every chunk's share to its alignment; when the
/// re-packed segment comes out longer than the original, even by a few bytes, it gives up and puts
/// all of it (every page's strings, 130 KB) into the main WASM. This block is never referenced, so
/// no output holds it, but it makes the original segment long enough for the padding.
#[used]
static SPLIT_PADDING_ROOM: [u8; 1024] = [0x5a; 1024];
