//! GetRandomPassword: the password generator.
//!
//! Owns AWS's character classes, which of them a request includes and
//! requires, and the unbiased draw of characters from the system CSPRNG
//! (`aws_lc_rs::rand::SystemRandom`). Pure computation: it must not touch
//! the store, KMS or audit, and it never logs or echoes a password; the
//! value leaves only inside a zeroising `SecretString`.
//! Semantics: <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html>

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use tresor_wire::dto::{GetRandomPasswordRequest, SecretString};
use tresor_wire::{AwsError, ErrorCode};
use zeroize::Zeroizing;

/// AWS's length when `PasswordLength` is absent.
pub const DEFAULT_PASSWORD_LENGTH: i64 = 32;
/// The model's bounds for `PasswordLength`.
pub const MIN_PASSWORD_LENGTH: i64 = 1;
pub const MAX_PASSWORD_LENGTH: i64 = 4096;

const UPPERCASE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWERCASE: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";
/// The 32 ASCII punctuation characters, as AWS documents them.
const PUNCTUATION: &[u8] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

const TOO_SHORT: &str = "Password length is too short based on the required types.";
const NOTHING_LEFT: &str = "The password can't be generated because every character is excluded. \
     Include at least one character type, or exclude fewer characters.";

/// Generates a password as GetRandomPassword does.
///
/// Errors: `InvalidParameterException` when the length cannot hold one
/// character of each required type or when every character is excluded;
/// `ValidationException` for a length outside 1–4096 (normally caught by
/// the model validator first); `InternalServiceError` if the system random
/// source fails.
pub fn random_password(req: &GetRandomPasswordRequest) -> Result<SecretString, AwsError> {
    let recipe = Recipe::from_request(req)?;
    let rng = SystemRandom::new();
    let mut stream = RandomStream::new(|block: &mut [u8]| rng.fill(block).is_ok());
    recipe.generate(&mut stream)
}

/// A request, checked: how long, from which characters, which classes must
/// each appear at least once.
#[derive(Debug)]
struct Recipe {
    length: usize,
    /// Every character the password may contain, each once.
    alphabet: Vec<u8>,
    /// Classes that must each contribute a character; none is empty.
    required: Vec<Vec<u8>>,
}

impl Recipe {
    fn from_request(req: &GetRandomPasswordRequest) -> Result<Recipe, AwsError> {
        let length = password_length(req.password_length)?;

        let mut excluded = [false; 128];
        for c in req.exclude_characters.as_deref().unwrap_or("").chars() {
            if c.is_ascii() {
                excluded[c as usize] = true;
            }
        }
        let keep = |class: &[u8]| -> Vec<u8> {
            class
                .iter()
                .copied()
                .filter(|&c| !excluded[usize::from(c)])
                .collect()
        };

        let flag = |f: Option<bool>| f.unwrap_or(false);
        let classes = [
            (UPPERCASE, flag(req.exclude_uppercase)),
            (LOWERCASE, flag(req.exclude_lowercase)),
            (DIGITS, flag(req.exclude_numbers)),
            (PUNCTUATION, flag(req.exclude_punctuation)),
        ];
        let mut alphabet = Vec::new();
        let mut required = Vec::new();
        for (class, excluded_by_flag) in classes {
            let left = keep(class);
            // A class whose every character is in ExcludeCharacters is no
            // longer an included type, so it is not required either.
            if excluded_by_flag || left.is_empty() {
                continue;
            }
            alphabet.extend_from_slice(&left);
            required.push(left);
        }
        // Space is a character the password may contain, never a required type.
        if flag(req.include_space) && !excluded[usize::from(b' ')] {
            alphabet.push(b' ');
        }

        if alphabet.is_empty() {
            return Err(AwsError::new(
                ErrorCode::InvalidParameterException,
                NOTHING_LEFT,
            ));
        }
        if !req.require_each_included_type.unwrap_or(true) {
            required.clear();
        }
        if length < required.len() {
            return Err(AwsError::new(
                ErrorCode::InvalidParameterException,
                TOO_SHORT,
            ));
        }
        Ok(Recipe {
            length,
            alphabet,
            required,
        })
    }

    /// One character of each required class, the rest from the whole
    /// alphabet, then a Fisher–Yates shuffle so that the required characters
    /// sit at uniformly random positions.
    fn generate<F: FnMut(&mut [u8]) -> bool>(
        &self,
        stream: &mut RandomStream<F>,
    ) -> Result<SecretString, AwsError> {
        // Allocated once at full size so no reallocation leaves a copy behind.
        let mut password = Zeroizing::new(Vec::with_capacity(self.length));
        for class in &self.required {
            password.push(class[stream.index(class.len())?]);
        }
        while password.len() < self.length {
            password.push(self.alphabet[stream.index(self.alphabet.len())?]);
        }
        for i in (1..password.len()).rev() {
            let j = stream.index(i + 1)?;
            password.swap(i, j);
        }
        let bytes = std::mem::take(&mut *password);
        let text = String::from_utf8(bytes).map_err(|e| {
            drop(Zeroizing::new(e.into_bytes()));
            AwsError::internal()
        })?;
        Ok(SecretString::new(text))
    }
}

/// `PasswordLength`, defaulted and range-checked. The model validator has
/// normally rejected a bad value already; this repeats its answer so that
/// no caller can make the generator allocate or loop without bound.
fn password_length(requested: Option<i64>) -> Result<usize, AwsError> {
    let length = requested.unwrap_or(DEFAULT_PASSWORD_LENGTH);
    let constraint = if length > MAX_PASSWORD_LENGTH {
        format!("Member must have value less than or equal to {MAX_PASSWORD_LENGTH}")
    } else if length < MIN_PASSWORD_LENGTH {
        format!("Member must have value greater than or equal to {MIN_PASSWORD_LENGTH}")
    } else {
        return usize::try_from(length).map_err(|_| AwsError::internal());
    };
    Err(AwsError::new(
        ErrorCode::ValidationException,
        format!(
            "1 validation error detected: Value '{length}' at 'passwordLength' failed to satisfy constraint: {constraint}"
        ),
    ))
}

/// The number of distinct values one draw can take: indices come from two
/// random bytes, enough for any `n` up to the 4096-character maximum.
const DRAW_SPACE: usize = 1 << 16;

/// Maps a uniform draw in `0..DRAW_SPACE` to a uniform index in `0..n`, or
/// rejects it. Only draws below the largest multiple of `n` are accepted, so
/// every index has exactly `DRAW_SPACE / n` preimages: no modulo bias.
/// Callers guarantee `1 <= n <= DRAW_SPACE`.
fn unbiased_index(draw: u16, n: usize) -> Option<usize> {
    let accepted = DRAW_SPACE - DRAW_SPACE % n;
    let draw = usize::from(draw);
    (draw < accepted).then_some(draw % n)
}

/// Random bytes fetched in blocks from `fill`, spent as unbiased indices.
/// The block is zeroised when dropped: it determined the password.
struct RandomStream<F> {
    fill: F,
    block: Zeroizing<[u8; 512]>,
    used: usize,
}

impl<F: FnMut(&mut [u8]) -> bool> RandomStream<F> {
    /// `fill` writes random bytes into its argument and says whether it could.
    fn new(fill: F) -> Self {
        let block = Zeroizing::new([0u8; 512]);
        let used = block.len();
        Self { fill, block, used }
    }

    fn next_draw(&mut self) -> Result<u16, AwsError> {
        if self.used + 2 > self.block.len() {
            if !(self.fill)(&mut self.block[..]) {
                return Err(AwsError::internal());
            }
            self.used = 0;
        }
        let draw = u16::from_le_bytes([self.block[self.used], self.block[self.used + 1]]);
        self.used += 2;
        Ok(draw)
    }

    /// A uniform index in `0..n`. Each draw is accepted with probability
    /// above one half, so the loop ends after two draws on average.
    fn index(&mut self, n: usize) -> Result<usize, AwsError> {
        if n == 0 || n > DRAW_SPACE {
            return Err(AwsError::internal());
        }
        loop {
            if let Some(i) = unbiased_index(self.next_draw()?, n) {
                return Ok(i);
            }
        }
    }
}

/// The GetRandomPassword operation.
pub async fn get_random_password(
    _svc: &super::Service,
    ctx: &super::Ctx,
    req: GetRandomPasswordRequest,
) -> Result<tresor_wire::dto::GetRandomPasswordResponse, AwsError> {
    ctx.check(crate::authz::Resource::any())?;
    Ok(tresor_wire::dto::GetRandomPasswordResponse {
        random_password: Some(random_password(&req)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> GetRandomPasswordRequest {
        GetRandomPasswordRequest::default()
    }

    fn password(req: &GetRandomPasswordRequest) -> String {
        random_password(req).unwrap().expose().to_string()
    }

    fn error(req: &GetRandomPasswordRequest) -> AwsError {
        random_password(req).unwrap_err()
    }

    /// The alphabet computed independently of the generator, from ASCII
    /// character properties.
    fn expected_alphabet(
        upper: bool,
        lower: bool,
        digits: bool,
        punctuation: bool,
        space: bool,
    ) -> Vec<u8> {
        (0x20u8..=0x7e)
            .filter(|c| match c {
                b' ' => space,
                c if c.is_ascii_uppercase() => upper,
                c if c.is_ascii_lowercase() => lower,
                c if c.is_ascii_digit() => digits,
                c => {
                    assert!(c.is_ascii_punctuation());
                    punctuation
                }
            })
            .collect()
    }

    #[test]
    fn punctuation_is_the_32_ascii_punctuation_characters() {
        assert_eq!(PUNCTUATION.len(), 32);
        let all: Vec<u8> = (0u8..128).filter(u8::is_ascii_punctuation).collect();
        let mut ours = PUNCTUATION.to_vec();
        ours.sort_unstable();
        assert_eq!(ours, all);
    }

    #[test]
    fn defaults_are_32_characters_of_every_class_and_no_space() {
        let expected = expected_alphabet(true, true, true, true, false);
        for _ in 0..200 {
            let p = password(&request());
            assert_eq!(p.len(), 32);
            assert!(p.bytes().all(|c| expected.contains(&c)), "{p}");
            assert!(p.bytes().any(|c| c.is_ascii_uppercase()));
            assert!(p.bytes().any(|c| c.is_ascii_lowercase()));
            assert!(p.bytes().any(|c| c.is_ascii_digit()));
            assert!(p.bytes().any(|c| c.is_ascii_punctuation()));
        }
    }

    #[test]
    fn every_flag_combination_has_the_right_alphabet() {
        for bits in 0u8..32 {
            let on = |i: u8| bits & (1 << i) != 0;
            let req = GetRandomPasswordRequest {
                exclude_uppercase: Some(on(0)),
                exclude_lowercase: Some(on(1)),
                exclude_numbers: Some(on(2)),
                exclude_punctuation: Some(on(3)),
                include_space: Some(on(4)),
                password_length: Some(MAX_PASSWORD_LENGTH),
                ..request()
            };
            let expected = expected_alphabet(!on(0), !on(1), !on(2), !on(3), on(4));
            if expected.is_empty() {
                let e = error(&req);
                assert_eq!(e.code, ErrorCode::InvalidParameterException);
                assert_eq!(e.message, NOTHING_LEFT);
                continue;
            }
            let recipe = Recipe::from_request(&req).unwrap();
            let mut alphabet = recipe.alphabet.clone();
            alphabet.sort_unstable();
            assert_eq!(alphabet, expected, "flags {bits:05b}");
            // Required: the included classes, never space.
            let classes = (0..4).filter(|&i| !on(i)).count();
            assert_eq!(recipe.required.len(), classes, "flags {bits:05b}");
            // 4096 characters from at most 95: every one shows up.
            let p = password(&req);
            let mut seen: Vec<u8> = p.bytes().collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen, expected, "flags {bits:05b}");
        }
    }

    #[test]
    fn each_included_type_appears_even_at_the_minimum_length() {
        let req = GetRandomPasswordRequest {
            password_length: Some(4),
            ..request()
        };
        for _ in 0..500 {
            let p = password(&req);
            assert_eq!(p.bytes().filter(u8::is_ascii_uppercase).count(), 1, "{p}");
            assert_eq!(p.bytes().filter(u8::is_ascii_lowercase).count(), 1, "{p}");
            assert_eq!(p.bytes().filter(u8::is_ascii_digit).count(), 1, "{p}");
            assert_eq!(p.bytes().filter(u8::is_ascii_punctuation).count(), 1, "{p}");
        }
        let two = GetRandomPasswordRequest {
            password_length: Some(2),
            exclude_uppercase: Some(true),
            exclude_punctuation: Some(true),
            include_space: Some(true),
            ..request()
        };
        for _ in 0..200 {
            let p = password(&two);
            assert!(p.bytes().any(|c| c.is_ascii_lowercase()), "{p:?}");
            assert!(p.bytes().any(|c| c.is_ascii_digit()), "{p:?}");
        }
    }

    #[test]
    fn required_characters_land_at_uniform_positions() {
        // Length 4, four classes: each position holds each class with
        // probability 1/4. 4000 samples: mean 1000, sd ~27; the bound is
        // more than ten standard deviations wide.
        let req = GetRandomPasswordRequest {
            password_length: Some(4),
            ..request()
        };
        let mut upper_at = [0usize; 4];
        for _ in 0..4000 {
            let p = password(&req);
            let i = p.bytes().position(|c| c.is_ascii_uppercase()).unwrap();
            upper_at[i] += 1;
        }
        for count in upper_at {
            assert!((700..=1300).contains(&count), "{upper_at:?}");
        }
    }

    #[test]
    fn excluded_characters_never_appear() {
        let exclude = "\"'\\`aeiouAEIOU01lI|O ";
        let req = GetRandomPasswordRequest {
            password_length: Some(MAX_PASSWORD_LENGTH),
            exclude_characters: Some(exclude.into()),
            include_space: Some(true),
            ..request()
        };
        for _ in 0..20 {
            let p = password(&req);
            assert!(!p.chars().any(|c| exclude.contains(c)), "{p}");
        }
        // Non-ASCII in ExcludeCharacters is harmless.
        let req = GetRandomPasswordRequest {
            exclude_characters: Some("é€😀".into()),
            ..request()
        };
        assert_eq!(password(&req).len(), 32);
    }

    #[test]
    fn a_class_reduced_to_one_character_still_appears() {
        let all_but_q: String = UPPERCASE
            .iter()
            .filter(|&&c| c != b'Q')
            .map(|&c| char::from(c))
            .collect();
        let req = GetRandomPasswordRequest {
            exclude_characters: Some(all_but_q),
            ..request()
        };
        for _ in 0..200 {
            let p = password(&req);
            assert!(p.contains('Q'), "{p}");
            assert!(!p.bytes().any(|c| c.is_ascii_uppercase() && c != b'Q'));
        }
    }

    #[test]
    fn a_class_emptied_by_exclude_characters_is_not_required() {
        let req = GetRandomPasswordRequest {
            password_length: Some(3),
            exclude_characters: Some("0123456789".into()),
            ..request()
        };
        let recipe = Recipe::from_request(&req).unwrap();
        assert_eq!(recipe.required.len(), 3);
        let p = password(&req);
        assert_eq!(p.len(), 3);
        assert!(!p.bytes().any(|c| c.is_ascii_digit()));
    }

    #[test]
    fn too_short_for_the_required_types() {
        for length in 1..4 {
            let e = error(&GetRandomPasswordRequest {
                password_length: Some(length),
                ..request()
            });
            assert_eq!(e.code, ErrorCode::InvalidParameterException);
            assert_eq!(e.message, TOO_SHORT);
        }
        let e = error(&GetRandomPasswordRequest {
            password_length: Some(1),
            exclude_numbers: Some(true),
            exclude_punctuation: Some(true),
            ..request()
        });
        assert_eq!(e.message, TOO_SHORT);
        // Without the requirement any length works.
        let p = password(&GetRandomPasswordRequest {
            password_length: Some(1),
            require_each_included_type: Some(false),
            ..request()
        });
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn nothing_left_to_choose_from() {
        let everything: String = (0x20u8..=0x7e).map(char::from).collect();
        for req in [
            GetRandomPasswordRequest {
                exclude_characters: Some(everything),
                include_space: Some(true),
                ..request()
            },
            GetRandomPasswordRequest {
                exclude_uppercase: Some(true),
                exclude_lowercase: Some(true),
                exclude_numbers: Some(true),
                exclude_punctuation: Some(true),
                include_space: Some(true),
                exclude_characters: Some(" ".into()),
                require_each_included_type: Some(false),
                ..request()
            },
        ] {
            let e = error(&req);
            assert_eq!(e.code, ErrorCode::InvalidParameterException);
            assert_eq!(e.message, NOTHING_LEFT);
        }
    }

    #[test]
    fn only_space_left_gives_spaces() {
        let p = password(&GetRandomPasswordRequest {
            exclude_uppercase: Some(true),
            exclude_lowercase: Some(true),
            exclude_numbers: Some(true),
            exclude_punctuation: Some(true),
            include_space: Some(true),
            password_length: Some(5),
            ..request()
        });
        assert_eq!(p, "     ");
    }

    #[test]
    fn lengths_outside_the_model_range_are_refused_without_panic() {
        for (length, text) in [
            (0, "greater than or equal to 1"),
            (-1, "greater than or equal to 1"),
            (i64::MIN, "greater than or equal to 1"),
            (4097, "less than or equal to 4096"),
            (i64::MAX, "less than or equal to 4096"),
        ] {
            let e = error(&GetRandomPasswordRequest {
                password_length: Some(length),
                ..request()
            });
            assert_eq!(e.code, ErrorCode::ValidationException);
            assert!(e.message.contains(text), "{}", e.message);
        }
        let e = error(&GetRandomPasswordRequest {
            password_length: Some(5000),
            ..request()
        });
        assert_eq!(
            e.message,
            "1 validation error detected: Value '5000' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"
        );
        let p = password(&GetRandomPasswordRequest {
            password_length: Some(MAX_PASSWORD_LENGTH),
            ..request()
        });
        assert_eq!(p.len(), 4096);
    }

    #[test]
    fn the_index_mapping_is_exactly_uniform() {
        // Exhaustive over every possible draw: each index has the same
        // number of preimages, and all other draws are rejected.
        let sizes = (1..=130).chain([255, 256, 257, 1000, 2049, 4095, 4096, DRAW_SPACE]);
        for n in sizes {
            let mut counts = vec![0usize; n];
            let mut rejected = 0;
            for draw in 0..=u16::MAX {
                match unbiased_index(draw, n) {
                    Some(i) => counts[i] += 1,
                    None => rejected += 1,
                }
            }
            assert!(counts.iter().all(|&c| c == DRAW_SPACE / n), "n = {n}");
            assert_eq!(rejected, DRAW_SPACE % n, "n = {n}");
        }
    }

    #[test]
    fn rejected_draws_are_redrawn_not_folded() {
        // n = 3: 65535 is the one rejected draw; the stream must skip it.
        let mut draws = [u16::MAX, 4].into_iter();
        let mut stream = RandomStream::new(|block: &mut [u8]| {
            for pair in block.chunks_mut(2) {
                pair.copy_from_slice(&draws.next().unwrap_or(0).to_le_bytes());
            }
            true
        });
        assert_eq!(stream.index(3).unwrap(), 1);
        assert!(stream.index(0).is_err());
        assert!(stream.index(DRAW_SPACE + 1).is_err());
    }

    #[test]
    fn a_failing_random_source_is_an_internal_error() {
        let recipe = Recipe::from_request(&request()).unwrap();
        let mut stream = RandomStream::new(|_: &mut [u8]| false);
        let e = recipe.generate(&mut stream).unwrap_err();
        assert_eq!(e.code, ErrorCode::InternalServiceError);
    }

    #[test]
    fn characters_are_drawn_uniformly() {
        // 100 passwords of 4096 from the 94 default characters, no required
        // types: 409,600 draws, about 4357 per character. The chi-square
        // statistic has 93 degrees of freedom (mean 93, sd ~13.6); the bound
        // of 400 is 22 sd out, with a tail probability below 1e-30, while an
        // off-by-one or a skewed class would push it far beyond.
        let req = GetRandomPasswordRequest {
            password_length: Some(MAX_PASSWORD_LENGTH),
            require_each_included_type: Some(false),
            ..request()
        };
        let alphabet = expected_alphabet(true, true, true, true, false);
        let mut counts = [0u64; 128];
        for _ in 0..100 {
            for c in password(&req).bytes() {
                counts[usize::from(c)] += 1;
            }
        }
        let total: u64 = counts.iter().sum();
        let expected = total as f64 / alphabet.len() as f64;
        let chi_square: f64 = alphabet
            .iter()
            .map(|&c| {
                let d = counts[usize::from(c)] as f64 - expected;
                d * d / expected
            })
            .sum();
        assert!(chi_square < 400.0, "chi-square {chi_square}");
    }
}
