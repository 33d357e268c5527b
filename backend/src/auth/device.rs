//! A person's name for the device behind a user agent ("Firefox on Linux", "curl"), for the
//! sessions list. A guess from well-known tokens, never used for a decision.

/// Browsers and tools, most specific first (Edge and Opera also say Chrome; Chrome says Safari).
const CLIENTS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Chrome (headless)"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("python-requests/", "Python requests"),
    ("python-httpx/", "Python httpx"),
    ("PlexAPI/", "python-plexapi"),
    ("reqwest", "reqwest"),
    ("node", "Node.js"),
    ("Go-http-client/", "Go"),
];

/// Systems, most specific first (Android says Linux; iOS says Mac OS X).
const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
    ("FreeBSD", "FreeBSD"),
];

/// "Browser on System", the browser or the system alone, or "Unknown device".
pub fn describe(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return "Unknown device".to_owned();
    };
    let client = CLIENTS
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name);
    let system = SYSTEMS
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name);
    match (client, system) {
        (Some(c), Some(s)) => format!("{c} on {s}"),
        (Some(c), None) => c.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn names_the_usual_browsers_and_tools() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
                "Chrome on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            ("curl/8.5.0", "curl"),
            ("python-requests/2.32.3", "Python requests"),
        ];
        for (ua, want) in cases {
            assert_eq!(describe(Some(ua)), want, "{ua}");
        }
    }

    #[test]
    fn says_unknown_when_it_cannot_tell() {
        assert_eq!(describe(None), "Unknown device");
        assert_eq!(describe(Some("  ")), "Unknown device");
        assert_eq!(describe(Some("my-script/1")), "Unknown device");
    }
}
