//! What the demo made, and the closing report with the accounts to sign in with.

use super::region::{REGION, SCHOOLS};
use lobkader_domain::institution::KerngroepFunction;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// Counts of what the demo made.
#[derive(Debug, Default)]
pub struct Tally {
    pub institutions: usize,
    pub units: usize,
    pub members: usize,
    pub trajectories: usize,
    pub sessions: usize,
    /// Submitted, counting an original and its correction separately.
    pub evaluations: usize,
    pub corrections: usize,
    pub drafts: usize,
    pub action_points: usize,
    pub overdue: usize,
}

/// An account made for the demo.
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub name: &'static str,
    pub function: Option<KerngroepFunction>,
}

/// Prints the counts, the shared password, and the coaches and members per school (in the
/// order of [`SCHOOLS`]).
pub fn print(t: &Tally, coaches: &[Person], schools: &[Vec<Person>], password: &SecretString) {
    println!("lobkader: filled the database with the fictional demo region \"{REGION}\"");
    println!(
        "  {} institutions with {} units, {} kerngroep members, {} coaches",
        t.institutions,
        t.units,
        t.members,
        coaches.len()
    );
    println!(
        "  {} trajectories with {} coaching sessions; {} submitted evaluations ({} of them a correction) and {} draft",
        t.trajectories, t.sessions, t.evaluations, t.corrections, t.drafts
    );
    println!(
        "  {} action points, {} of them overdue",
        t.action_points, t.overdue
    );
    println!();
    println!("demo password: {}", password.expose_secret());
    println!(
        "  (the same for every account below; the admin is the account made at the first start)"
    );
    println!("coaches:");
    for (i, c) in coaches.iter().enumerate() {
        let count = (SCHOOLS.iter())
            .filter_map(|s| s.trajectory.as_ref())
            .filter(|t| t.coaches.contains(&i))
            .count();
        println!("  {:<42} {}, {count} trajectories", c.email, c.name);
    }
    println!("kerngroep members:");
    for (school, members) in SCHOOLS.iter().zip(schools) {
        println!(
            "  {} ({}, {})",
            school.name, school.brin, school.municipality
        );
        for m in members {
            let function = m.function.map(|f| f.id()).unwrap_or_default();
            println!("    {:<40} {}, {function}", m.email, m.name);
        }
    }
}
