//! Listing all friends with their shares costs a constant number of plex.tv calls.

use plex_sim::{Host, Seed};

use crate::support::start_with;

async fn plextv_calls_for(n: usize) -> usize {
    let (sim, client, mid) = start_with(Seed::default().with_generated_friends(n)).await;
    sim.clear_requests();
    let snap = client.snapshot(&mid).await.expect("snapshot");
    let access = snap.friends_with_shares();
    assert_eq!(access.len(), n);
    let with_share = access.iter().filter(|a| a.share.is_some()).count();
    assert_eq!(with_share, sim.state().shares.len());
    let calls = sim
        .requests()
        .iter()
        .filter(|r| r.host == Host::Plextv)
        .count();
    eprintln!(
        "plex.tv requests to list {n} friends with their shares: {calls} ({with_share} shares)"
    );
    calls
}

#[tokio::test]
async fn listing_friends_with_shares_is_constant_in_plextv_calls() {
    let ten = plextv_calls_for(10).await;
    let thousand = plextv_calls_for(1_000).await;
    assert_eq!(ten, 3);
    assert_eq!(thousand, 3);
}
