//! A friend's avatar: their picture when the page may load it, else their initials.

use leptos::prelude::*;

use crate::format::initials;

/// Whether the page's Content-Security-Policy (`img-src 'self' data:`) lets it load `thumb`. Plex
/// avatars live on plex.tv: loading them would be a CSP violation (and leak the viewer's address
/// to plex.tv), so those show initials until Plexward serves avatars itself.
pub fn displayable(thumb: &str) -> bool {
    (thumb.starts_with('/') && !thumb.starts_with("//")) || thumb.starts_with("data:image/")
}

/// A round avatar for `name`. `large` on the friend page.
#[component]
pub fn Avatar(name: String, thumb: Option<String>, #[prop(optional)] large: bool) -> impl IntoView {
    let class = if large { "avatar large" } else { "avatar" };
    match thumb.filter(|t| displayable(t)) {
        Some(src) => view! {
            <img class=class src=src alt=format!("Avatar of {name}") loading="lazy" />
        }
        .into_any(),
        None => view! {
            <span class=class role="img" aria-label=format!("Avatar of {name}")>
                {initials(&name)}
            </span>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::displayable;

    #[test]
    fn only_pictures_the_csp_allows() {
        assert!(displayable("/api/v1/plex-users/3/avatar"));
        assert!(displayable("data:image/png;base64,AAAA"));
        assert!(!displayable("https://plex.tv/users/abc/avatar?c=1"));
        assert!(!displayable("//plex.tv/users/abc/avatar"));
        assert!(!displayable("data:text/html,hi"));
    }
}
