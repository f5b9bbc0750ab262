//! Value types that validate themselves while the configuration is read, so a bad
//! value is reported at its own line.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// ISO 3166-1 alpha-2 codes (officially assigned), as used by AWS WAF geo matching.
const ISO_3166_ALPHA_2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// A country code such as `US`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(text: &str) -> Result<Self, String> {
        let upper = text.trim().to_ascii_uppercase();
        if upper.len() == 2 && ISO_3166_ALPHA_2.split(' ').any(|c| c == upper) {
            Ok(Self(upper))
        } else {
            Err(format!(
                "`{text}` is not an ISO 3166-1 alpha-2 country code (such as `US` or `GB`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IP network in CIDR notation whose host bits are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr(pub IpNet);

impl Cidr {
    pub fn parse(text: &str) -> Result<Self, String> {
        let net: IpNet = text
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not a CIDR block (such as `10.0.0.0/8`)"))?;
        if net.trunc() != net {
            return Err(format!(
                "`{text}` has host bits set; did you mean `{}`?",
                net.trunc()
            ));
        }
        Ok(Self(net))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A CloudWatch Logs retention in days: one of the values the API accepts
/// (`0` means never expire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RetentionDays(pub u32);

impl RetentionDays {
    pub const VALID: [u32; 23] = [
        0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
        2922, 3288, 3653,
    ];

    /// The policy floor (002 IV.B: logs kept at least 90 days).
    pub const POLICY_MINIMUM: u32 = 90;

    pub fn new(days: u32) -> Result<Self, String> {
        if Self::VALID.contains(&days) {
            Ok(Self(days))
        } else {
            Err(format!(
                "{days} is not a retention CloudWatch Logs accepts; use one of {}",
                Self::VALID.map(|d| d.to_string()).join(", ")
            ))
        }
    }

    /// The retention the checker requires: the profile value, but never below the
    /// policy's 90 days (requirements C-11). `0` (never expire) stays `0`.
    pub fn effective(self) -> u32 {
        if self.0 == 0 {
            0
        } else {
            self.0.max(Self::POLICY_MINIMUM)
        }
    }
}

/// A file size in bytes, written as a number of bytes or with a unit (`16MiB`,
/// `512 KB`), at most [`ByteSize::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// 4 GiB less one byte: rampart keeps byte offsets in a file in 32 bits
    /// (`rampart_source::SourceFile`), so it reads no larger file.
    pub const MAX: u64 = u32::MAX as u64;

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a size (such as `16MiB`)"))?;
        let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" => 1_000,
            "kib" | "k" => 1 << 10,
            "mb" => 1_000_000,
            "mib" | "m" => 1 << 20,
            "gb" => 1_000_000_000,
            "gib" | "g" => 1 << 30,
            other => {
                return Err(format!(
                    "unknown size unit `{other}` (use B, KiB, MiB or GiB)"
                ));
            }
        };
        let bytes = number
            .checked_mul(multiplier)
            .ok_or_else(|| format!("`{text}` is too large"))?;
        Self::bounded(bytes)
    }

    fn bounded(bytes: u64) -> Result<Self, String> {
        match bytes {
            0 => Err("a size must be greater than zero".to_owned()),
            b if b > Self::MAX => {
                Err("at most 4 GiB less one byte: rampart keeps positions in 32 bits".to_owned())
            }
            b => Ok(Self(b)),
        }
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b.is_multiple_of(1 << 30) {
            write!(f, "{}GiB", b >> 30)
        } else if b.is_multiple_of(1 << 20) {
            write!(f, "{}MiB", b >> 20)
        } else if b.is_multiple_of(1 << 10) {
            write!(f, "{}KiB", b >> 10)
        } else {
            write!(f, "{b}B")
        }
    }
}

macro_rules! string_serde {
    ($ty:ty, $parse:expr, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $parse(&text).map_err(de::Error::custom)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(CountryCode, CountryCode::parse, "a country code");
string_serde!(Cidr, Cidr::parse, "a CIDR block");

impl<'de> Deserialize<'de> for RetentionDays {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let days = u32::deserialize(deserializer)?;
        Self::new(days).map_err(de::Error::custom)
    }
}

impl Serialize for RetentionDays {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as `16MiB` or a number of bytes")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                match u64::try_from(v) {
                    Ok(b) => ByteSize::bounded(b).map_err(E::custom),
                    Err(_) => Err(E::custom("a size must be greater than zero")),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries() {
        assert!(CountryCode::parse("us").is_ok());
        assert!(CountryCode::parse("UK").is_err());
    }

    #[test]
    fn cidrs_must_be_canonical() {
        assert!(Cidr::parse("10.0.0.0/8").is_ok());
        assert!(Cidr::parse("2001:db8::/32").is_ok());
        let err = Cidr::parse("10.0.0.5/8").unwrap_err();
        assert!(err.contains("10.0.0.0/8"), "{err}");
        assert!(Cidr::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn retention() {
        assert!(RetentionDays::new(45).is_err());
        assert_eq!(RetentionDays::new(30).unwrap().effective(), 90);
        assert_eq!(RetentionDays::new(365).unwrap().effective(), 365);
        assert_eq!(RetentionDays::new(0).unwrap().effective(), 0);
    }

    #[test]
    fn sizes() {
        assert_eq!(ByteSize::parse("16MiB").unwrap(), ByteSize(16 << 20));
        assert_eq!(ByteSize::parse("512 KB").unwrap(), ByteSize(512_000));
        assert_eq!(ByteSize(16 << 20).to_string(), "16MiB");
        assert!(ByteSize::parse("0").is_err());
        assert_eq!(
            ByteSize::parse("4294967295").unwrap(),
            ByteSize(ByteSize::MAX)
        );
        assert!(ByteSize::parse("4GiB").is_err());
        assert!(ByteSize::parse("12 parsecs").is_err());
    }
}
