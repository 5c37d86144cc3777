//! Random tokens from the OS CSPRNG, in base62 (URL-, header- and copy-paste-safe).
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` uniformly random base62 characters (~5.95 bits each).
pub fn random_base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).expect("the OS random source is unavailable");
        // Rejection sampling: 248 = 4 × 62, so keeping bytes below it leaves no modulo bias.
        for &byte in buf.iter().filter(|&&b| b < 248) {
            if out.len() == len {
                break;
            }
            out.push(BASE62[(byte % 62) as usize] as char);
        }
    }
    out
}

/// Fixed-width base62 of a number, most significant digit first, zero-padded.
pub fn base62_fixed(mut value: u64, width: usize) -> String {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits).expect("base62 digits are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_have_the_asked_length_and_alphabet() {
        let token = random_base62(43);
        assert_eq!(token.len(), 43);
        assert!(token.bytes().all(|b| BASE62.contains(&b)));
        assert_ne!(random_base62(30), random_base62(30));
    }

    #[test]
    fn fixed_width_base62_pads_and_encodes() {
        assert_eq!(base62_fixed(0, 6), "000000");
        assert_eq!(base62_fixed(61, 2), "0z");
        assert_eq!(base62_fixed(62, 2), "10");
        assert_eq!(base62_fixed(u32::MAX as u64, 6), "4gfFC3");
    }
}
