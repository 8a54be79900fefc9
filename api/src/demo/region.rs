//! The demo region as data: fictional schools, people, trajectories and what happened in
//! them. Every name is invented (people carry "(demo)", addresses use the reserved `.example`
//! domain, BRIN codes start with 99). Dates are offsets from the day the demo runs, so the
//! coach's flags are live whenever it runs.

use ActionStatus::{Done as Finished, Dropped, InProgress as Doing, Open};
use Moment::{Annual, Baseline, Final, Interim};
use chrono::{Duration, Months, NaiveDate};
use lobkader_domain::institution::{KerngroepFunction as F, SchoolType, Sector, UnitKind};
use lobkader_domain::trajectory::{ActionStatus, ComponentStatus, TrajectoryStatus};
use lobkader_domain::{Level, Moment};

const M: Level = Level::Minimal;
const B: Level = Level::Basic;
const I: Level = Level::Integrated;

pub const REGION: &str = "Regio Zuiderhaven";

/// A date relative to the day the demo runs.
#[derive(Debug, Clone, Copy)]
pub struct When {
    months: i32,
    days: i32,
}

pub const fn ago(months: i32, days: i32) -> When {
    When {
        months: -months,
        days: -days,
    }
}

pub const fn ahead(months: i32, days: i32) -> When {
    When { months, days }
}

impl When {
    pub fn on(self, today: NaiveDate) -> NaiveDate {
        let months = Months::new(self.months.unsigned_abs());
        let shifted = if self.months < 0 {
            today.checked_sub_months(months)
        } else {
            today.checked_add_months(months)
        };
        shifted.unwrap_or(today) + Duration::days(i64::from(self.days))
    }
}

pub struct Coach {
    pub email: &'static str,
    pub name: &'static str,
}

pub const COACHES: &[Coach] = &[
    Coach {
        email: "i.visser@regio-zuiderhaven.example",
        name: "I. Visser (demo, coach)",
    },
    Coach {
        email: "r.bakker@regio-zuiderhaven.example",
        name: "R. Bakker (demo, coach)",
    },
];

pub struct School {
    /// The e-mail domain is `{slug}.example`.
    pub slug: &'static str,
    pub name: &'static str,
    pub sector: Sector,
    pub types: &'static [SchoolType],
    pub brin: &'static str,
    pub municipality: &'static str,
    pub units: &'static [(&'static str, UnitKind)],
    /// The kerngroep LOB; the first member leads it and enters the evaluations.
    pub members: &'static [Member],
    /// Self-evaluations of the institution outside any trajectory.
    pub evaluations: &'static [Eval],
    pub trajectory: Option<Traject>,
}

pub struct Member {
    /// The part of the e-mail address before the `@`.
    pub local: &'static str,
    pub name: &'static str,
    pub function: F,
}

const fn member(local: &'static str, name: &'static str, function: F) -> Member {
    Member {
        local,
        name,
        function,
    }
}

pub struct Eval {
    pub on: When,
    pub moment: Moment,
    /// Steps 1 to 5.
    pub levels: [Level; 5],
    /// A remark on one step that tells this measurement's story, instead of the usual one.
    pub note: Option<(u8, &'static str)>,
    pub kind: EvalKind,
}

pub enum EvalKind {
    Submitted,
    /// Still being filled in: the answers of the first `steps` steps, the level of the first.
    Draft {
        steps: u8,
    },
    /// Submitted, then corrected to these levels for this reason.
    Corrected {
        levels: [Level; 5],
        reason: &'static str,
    },
}

const fn eval(on: When, moment: Moment, levels: [Level; 5]) -> Eval {
    Eval {
        on,
        moment,
        levels,
        note: None,
        kind: EvalKind::Submitted,
    }
}

const fn noted(on: When, moment: Moment, levels: [Level; 5], note: (u8, &'static str)) -> Eval {
    Eval {
        note: Some(note),
        ..eval(on, moment, levels)
    }
}

pub struct Traject {
    pub title: &'static str,
    /// Indexes into [`COACHES`]; the first one created the trajectory.
    pub coaches: &'static [usize],
    /// An index into the school's units.
    pub unit: Option<usize>,
    pub start: When,
    pub end: When,
    pub status: TrajectoryStatus,
    pub targets: [Level; 5],
    pub components: &'static [Comp],
    pub evaluations: &'static [Eval],
    pub plan: Option<LobPlan>,
    pub sessions: &'static [Sess],
    pub actions: &'static [Act],
}

pub struct Comp {
    pub id: &'static str,
    pub status: ComponentStatus,
    pub started: Option<When>,
    pub completed: Option<When>,
    pub notes: Option<&'static str>,
}

const fn done(id: &'static str, started: When, completed: When) -> Comp {
    Comp {
        id,
        status: ComponentStatus::Done,
        started: Some(started),
        completed: Some(completed),
        notes: None,
    }
}

const fn busy(id: &'static str, started: When, notes: &'static str) -> Comp {
    Comp {
        id,
        status: ComponentStatus::InProgress,
        started: Some(started),
        completed: None,
        notes: Some(notes),
    }
}

pub struct LobPlan {
    pub title: &'static str,
    pub adopted: When,
    pub reference: &'static str,
}

pub struct Sess {
    pub on: When,
    pub summary: &'static str,
    pub agreements: Option<&'static str>,
}

const fn sess(on: When, summary: &'static str, agreements: &'static str) -> Sess {
    Sess {
        on,
        summary,
        agreements: Some(agreements),
    }
}

pub struct Act {
    pub step: u8,
    pub question: Option<&'static str>,
    pub text: &'static str,
    /// An index into the school's members.
    pub owner: usize,
    pub due: When,
    pub status: ActionStatus,
}

const fn act(
    step: u8,
    question: &'static str,
    text: &'static str,
    owner: usize,
    due: When,
    status: ActionStatus,
) -> Act {
    Act {
        step,
        question: Some(question),
        text,
        owner,
        due,
        status,
    }
}

/// The usual remark for a step at a level.
pub fn remark(step: u8, level: Level) -> &'static str {
    match (step, level) {
        (1, Level::Minimal) => {
            "Er is nog geen gedeelde LOB-visie; LOB hangt af van enkele betrokken collega's."
        }
        (1, Level::Basic) => {
            "De LOB-visie is op papier gezet en met het team besproken, maar nog niet overal zichtbaar in de uitvoering."
        }
        (1, Level::Integrated) => {
            "De LOB-visie wordt gedragen door management, team en leerlingen en stuurt de keuzes in het programma."
        }
        (2, Level::Minimal) => {
            "LOB bestaat uit losse activiteiten; loopbaangesprekken vinden niet structureel plaats."
        }
        (2, Level::Basic) => {
            "LOB is in de meeste leerjaren ingeroosterd en er zijn vaste momenten voor loopbaangesprekken."
        }
        (2, Level::Integrated) => {
            "LOB is verweven met vakken, praktijk en reflectie in alle leerjaren; gesprekken staan in het loopbaandossier."
        }
        (3, Level::Minimal) => {
            "Samenwerking met vervolgonderwijs en bedrijven is incidenteel en persoonsafhankelijk."
        }
        (3, Level::Basic) => {
            "Er zijn afspraken met het vervolgonderwijs en met enkele vaste externe partners."
        }
        (3, Level::Integrated) => {
            "Doorlopende leerlijnen zijn met de partners in de regio vastgelegd; externe partners zijn vast onderdeel van het programma."
        }
        (4, Level::Minimal) => {
            "De kwaliteit van LOB wordt nog niet gemonitord en feedback van leerlingen wordt niet verzameld."
        }
        (4, Level::Basic) => {
            "Na LOB-activiteiten wordt feedback gevraagd; een jaarlijkse evaluatie is afgesproken."
        }
        (4, Level::Integrated) => {
            "Monitoring en jaarlijkse evaluatie zitten in de kwaliteitscyclus en leiden aantoonbaar tot bijstelling."
        }
        (_, Level::Minimal) => {
            "Scholing rond LOB is vrijblijvend en afhankelijk van eigen initiatief."
        }
        (_, Level::Basic) => "Er is jaarlijks scholing of intervisie voor mentoren en decanen.",
        (_, Level::Integrated) => {
            "Samen leren over LOB hoort bij de teamcultuur en wordt door het management gefaciliteerd."
        }
    }
}

pub const SCHOOLS: &[School] = &[
    School {
        slug: "vlinderhof",
        name: "Scholengemeenschap De Vlinderhof",
        sector: Sector::Vo,
        types: &[SchoolType::Vmbo, SchoolType::Havo, SchoolType::Vwo],
        brin: "99XA",
        municipality: "Zuiderhaven",
        units: &[
            ("Locatie Havenkade", UnitKind::Location),
            ("Locatie Parkzicht", UnitKind::Location),
        ],
        members: &[
            member("decaan", "A. de Boer (demo)", F::Decaan),
            member("teamleider", "P. Kuiper (demo)", F::Teamleider),
            member("mentor", "L. Smit (demo)", F::Mentor),
            member("leerling", "S. Yilmaz (demo, leerling)", F::Student),
        ],
        evaluations: &[eval(ago(13, 0), Annual, [M, M, M, M, B])],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – De Vlinderhof",
            coaches: &[0],
            unit: None,
            start: ago(2, 5),
            end: ahead(22, 0),
            status: TrajectoryStatus::Active,
            targets: [B, I, B, B, B],
            components: &[busy(
                "lob_visie",
                ago(1, 20),
                "Visiesessie met het team gepland; de kerngroep schrijft een eerste aanzet.",
            )],
            evaluations: &[noted(
                ago(1, 10),
                Baseline,
                [M, B, M, M, M],
                (
                    1,
                    "Er zijn veel losse LOB-activiteiten, maar nog geen visie die het hele team draagt.",
                ),
            )],
            plan: None,
            sessions: &[
                sess(
                    ago(2, 0),
                    "Startbijeenkomst: kennismaking met de kerngroep, uitleg van het traject en de zeven onderdelen.",
                    "De kerngroep vult de nulmeting samen in; de decaan plant een visiesessie.",
                ),
                sess(
                    ago(1, 5),
                    "Nulmeting besproken. Sterk punt: de loopbaangesprekken in de onderbouw. Aandachtspunten: een gedeelde visie en monitoring ontbreken nog.",
                    "De kerngroep schrijft een eerste aanzet voor de LOB-visie.",
                ),
            ],
            actions: &[
                act(
                    1,
                    "1.1",
                    "Visiesessie LOB met het hele team organiseren",
                    0,
                    ahead(1, 0),
                    Open,
                ),
                act(
                    4,
                    "4.1",
                    "Inventariseren welke gegevens over LOB al worden verzameld",
                    1,
                    ahead(3, 0),
                    Open,
                ),
            ],
        }),
    },
    School {
        slug: "kompascollege",
        name: "Het Kompascollege",
        sector: Sector::Vo,
        types: &[SchoolType::Vmbo, SchoolType::Mavo],
        brin: "99XB",
        municipality: "Marendaal",
        units: &[
            ("Afdeling basis en kader", UnitKind::Department),
            ("Afdeling mavo", UnitKind::Department),
        ],
        members: &[
            member("lob", "M. Mulder (demo)", F::LobCoordinator),
            member("teamleider", "H. Bos (demo)", F::Teamleider),
            member("mentor", "K. Vos (demo)", F::Mentor),
            member("docent", "E. Peters (demo)", F::Docent),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Het Kompascollege",
            coaches: &[0],
            unit: None,
            start: ago(20, 0),
            end: ahead(4, 0),
            status: TrajectoryStatus::Active,
            targets: [B, B, B, B, B],
            components: &[
                Comp {
                    notes: Some("LOB-visie vastgesteld door de schoolleiding."),
                    ..done("lob_visie", ago(19, 0), ago(14, 0))
                },
                done("doorlopende_leerlijn", ago(15, 0), ago(8, 0)),
                Comp {
                    notes: Some("De planner per leerjaar staat in de jaarplanning."),
                    ..done("lob_curriculumplanner", ago(12, 0), ago(6, 0))
                },
                done("teamontwikkelplan", ago(10, 0), ago(4, 0)),
                done("lob_beleid", ago(8, 0), ago(2, 0)),
                busy(
                    "monitoring",
                    ago(5, 0),
                    "Leerlingenenquête na de LOB-week in voorbereiding.",
                ),
                busy(
                    "evaluatie",
                    ago(1, 0),
                    "Eindmeting gepland aan het eind van het traject.",
                ),
            ],
            evaluations: &[
                eval(ago(19, 10), Baseline, [M, M, M, M, M]),
                Eval {
                    kind: EvalKind::Corrected {
                        levels: [B, B, M, M, M],
                        reason: "Correctie: de monitoring bleek bij nader inzien nog niet structureel; stap 4 teruggezet naar minimaal.",
                    },
                    ..eval(ago(8, 12), Interim, [B, B, M, B, M])
                },
            ],
            plan: None,
            sessions: &[
                sess(
                    ago(20, 0),
                    "Startbijeenkomst met de kerngroep; het traject en de rol van de coach toegelicht.",
                    "Nulmeting invullen en de huidige LOB-activiteiten per leerjaar op een rij zetten.",
                ),
                sess(
                    ago(17, 0),
                    "Visiesessie met het team: wat willen we dat een leerling na vier jaar weet over zichzelf en zijn vervolg?",
                    "De LOB-coördinator werkt de opbrengst uit tot een conceptvisie.",
                ),
                sess(
                    ago(12, 0),
                    "Doorlopende leerlijn besproken met twee mbo-opleidingen uit de regio.",
                    "Afspraken over de warme overdracht schriftelijk vastleggen.",
                ),
                sess(
                    ago(8, 0),
                    "Tussenmeting besproken: vooruitgang op visie en leeromgeving; monitoring blijft achter.",
                    "De score van stap 4 wordt nog eens kritisch bekeken; zo nodig volgt een correctie.",
                ),
                sess(
                    ago(3, 0),
                    "LOB-beleid vastgesteld; plan van aanpak voor monitoring met een leerlingenenquête.",
                    "Enquête afnemen na de LOB-week; de resultaten komen in de eindmeting.",
                ),
            ],
            actions: &[
                act(
                    2,
                    "2.5",
                    "Een format maken om loopbaangesprekken vast te leggen in het leerlingvolgsysteem",
                    2,
                    ago(5, 0),
                    Finished,
                ),
                act(
                    4,
                    "4.2",
                    "Leerlingenenquête LOB afnemen na de LOB-week",
                    0,
                    ahead(1, 0),
                    Doing,
                ),
                act(
                    5,
                    "5.1",
                    "Twee keer per jaar intervisie voor mentoren inroosteren",
                    1,
                    ahead(2, 0),
                    Open,
                ),
            ],
        }),
    },
    School {
        slug: "dezandloper",
        name: "Vmbo De Zandloper",
        sector: Sector::Vo,
        types: &[SchoolType::Vmbo],
        brin: "99XC",
        municipality: "Veenmonde",
        units: &[("Team techniek", UnitKind::Team)],
        members: &[
            member("decaan", "W. Hendriks (demo)", F::Decaan),
            member("teamleider", "J. van Leeuwen (demo)", F::Teamleider),
            member("mentor", "N. Dekker (demo)", F::Mentor),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Vmbo De Zandloper",
            coaches: &[0],
            unit: None,
            start: ago(28, 0),
            end: ahead(2, 0),
            status: TrajectoryStatus::Active,
            targets: [B, B, B, B, B],
            components: &[
                done("lob_visie", ago(27, 0), ago(22, 0)),
                done("doorlopende_leerlijn", ago(24, 0), ago(16, 0)),
                busy(
                    "lob_curriculumplanner",
                    ago(16, 0),
                    "Stilgevallen na het vertrek van de vorige decaan.",
                ),
            ],
            evaluations: &[
                eval(ago(27, 5), Baseline, [M, M, B, M, M]),
                noted(
                    ago(15, 3),
                    Interim,
                    [B, M, B, M, M],
                    (
                        2,
                        "Mentoren voeren loopbaangesprekken, maar vastleggen gebeurt nog niet.",
                    ),
                ),
            ],
            plan: None,
            sessions: &[
                sess(
                    ago(28, 0),
                    "Startbijeenkomst; de kerngroep wil vooral de techniekafdeling sterker laten aansluiten op het mbo.",
                    "Nulmeting invullen vóór de herfstvakantie.",
                ),
                sess(
                    ago(22, 0),
                    "LOB-visie vastgesteld in de teamvergadering.",
                    "Start met de doorlopende leerlijn samen met het mbo.",
                ),
                sess(
                    ago(15, 0),
                    "Tussenmeting besproken: visie staat, loopbaangesprekken worden nog niet vastgelegd.",
                    "De teamleider maakt afspraken over het loopbaandossier.",
                ),
                sess(
                    ago(9, 0),
                    "De decaan is vertrokken; een nieuwe decaan start na de zomer. Het traject ligt tijdelijk stil.",
                    "De coach neemt contact op met de teamleider over de overdracht.",
                ),
            ],
            actions: &[
                act(
                    2,
                    "2.5",
                    "Afspraken maken over het vastleggen van loopbaangesprekken in het loopbaandossier",
                    1,
                    ago(6, 0),
                    Open,
                ),
                act(
                    1,
                    "1.3",
                    "Rollen en taken rond LOB opnieuw beleggen na het vertrek van de decaan",
                    1,
                    ago(2, 0),
                    Doing,
                ),
                act(
                    4,
                    "4.3",
                    "Een nieuwe tussenmeting plannen met de kerngroep",
                    0,
                    ago(1, 0),
                    Open,
                ),
            ],
        }),
    },
    School {
        slug: "zevenlinden",
        name: "Lyceum Zeven Linden",
        sector: Sector::Vo,
        types: &[SchoolType::Havo, SchoolType::Vwo],
        brin: "99XD",
        municipality: "Zuiderhaven",
        units: &[("Bovenbouw havo/vwo", UnitKind::Department)],
        members: &[
            member("decaan", "F. Brouwer (demo)", F::Decaan),
            member("teamleider", "G. de Wit (demo)", F::Teamleider),
            member("mentor", "T. Dijkstra (demo)", F::Mentor),
            member("leerling", "R. Smits (demo, leerling)", F::Student),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Lyceum Zeven Linden",
            coaches: &[0],
            unit: None,
            start: ago(14, 0),
            end: ahead(10, 0),
            status: TrajectoryStatus::Paused,
            targets: [I, I, B, B, B],
            components: &[
                done("lob_visie", ago(13, 0), ago(9, 0)),
                done("lob_curriculumplanner", ago(11, 0), ago(6, 0)),
                done("teamontwikkelplan", ago(10, 0), ago(5, 0)),
                busy(
                    "doorlopende_leerlijn",
                    ago(9, 0),
                    "Afstemming met het hbo over de profielkeuze loopt.",
                ),
            ],
            evaluations: &[
                eval(ago(13, 8), Baseline, [B, B, M, M, B]),
                noted(
                    ago(5, 2),
                    Interim,
                    [B, M, M, B, B],
                    (
                        2,
                        "Door het nieuwe rooster is het mentoruur gehalveerd; er zijn minder loopbaangesprekken.",
                    ),
                ),
            ],
            plan: None,
            sessions: &[
                sess(
                    ago(14, 0),
                    "Startbijeenkomst; de leerlingvertegenwoordiger schuift voortaan aan bij de kerngroep.",
                    "Nulmeting invullen; de decaan verzamelt het huidige programma per leerjaar.",
                ),
                sess(
                    ago(10, 0),
                    "LOB-visie en curriculumplanner besproken; de visie is herkenbaar voor leerlingen.",
                    "Teamontwikkelplan opstellen met de mentoren van de bovenbouw.",
                ),
                sess(
                    ago(5, 0),
                    "Tussenmeting besproken: stap 2 is achteruitgegaan doordat het mentoruur is gehalveerd.",
                    "De teamleider legt een voorstel voor loopbaangesprekken voor aan de schoolleiding.",
                ),
                sess(
                    ago(3, 0),
                    "De schoolleiding zet het traject tot de zomer op pauze vanwege een reorganisatie van de bovenbouw.",
                    "Na de zomer hervatten; de decaan houdt de planner actueel.",
                ),
            ],
            actions: &[
                act(
                    2,
                    "2.3",
                    "Voorstel aan de schoolleiding: loopbaangesprekken terug in het mentoruur",
                    1,
                    ago(1, 0),
                    Open,
                ),
                act(
                    3,
                    "3.2",
                    "Afspraken over de doorstroom naar het hbo vastleggen met twee hogescholen in de regio",
                    0,
                    ahead(4, 0),
                    Open,
                ),
            ],
        }),
    },
    School {
        slug: "marendaalcollege",
        name: "Marendaal College",
        sector: Sector::Vo,
        types: &[SchoolType::Vmbo, SchoolType::Havo],
        brin: "99XE",
        municipality: "Marendaal",
        units: &[
            ("Locatie Dorpsstraat", UnitKind::Location),
            ("Locatie Molenveld", UnitKind::Location),
        ],
        members: &[
            member("decaan", "C. de Graaf (demo)", F::Decaan),
            member("lob", "D. van der Meer (demo)", F::LobCoordinator),
            member("teamleider", "B. Kok (demo)", F::Teamleider),
            member("mentor", "Y. Jacobs (demo)", F::Mentor),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Marendaal College",
            coaches: &[0],
            unit: None,
            start: ago(30, 0),
            end: ago(4, 0),
            status: TrajectoryStatus::Completed,
            targets: [I, B, B, B, B],
            components: &[
                done("lob_visie", ago(29, 0), ago(25, 0)),
                done("doorlopende_leerlijn", ago(26, 0), ago(18, 0)),
                done("lob_curriculumplanner", ago(22, 0), ago(15, 0)),
                done("teamontwikkelplan", ago(18, 0), ago(12, 0)),
                done("lob_beleid", ago(14, 0), ago(9, 0)),
                done("monitoring", ago(12, 0), ago(7, 0)),
                done("evaluatie", ago(7, 0), ago(5, 0)),
            ],
            evaluations: &[
                eval(ago(29, 0), Baseline, [M, M, M, M, M]),
                eval(ago(18, 0), Interim, [B, B, M, M, B]),
                eval(ago(6, 0), Final, [I, B, B, B, B]),
            ],
            plan: Some(LobPlan {
                title: "Integraal LOB-plan Marendaal College",
                adopted: ago(5, 0),
                reference: "Vastgesteld door schoolleiding en MR; intranet › Beleid › LOB",
            }),
            sessions: &[
                sess(
                    ago(30, 0),
                    "Startbijeenkomst met beide locaties; de kerngroep kiest voor één gezamenlijke aanpak.",
                    "Nulmeting invullen per locatie en daarna samenvoegen.",
                ),
                sess(
                    ago(24, 0),
                    "LOB-visie vastgesteld; de doorlopende leerlijn van klas 1 tot het examenjaar in de steigers.",
                    "De curriculumplanner vullen met de bestaande activiteiten.",
                ),
                sess(
                    ago(18, 0),
                    "Tussenmeting: duidelijke vooruitgang op visie, leeromgeving en professionalisering.",
                    "Regionale samenwerking en monitoring krijgen voorrang in het tweede jaar.",
                ),
                sess(
                    ago(11, 0),
                    "Samenwerking met het mbo en twee bedrijven uit de regio uitgebreid; monitoring via een korte enquête.",
                    "Concept voor het integraal LOB-plan schrijven.",
                ),
                sess(
                    ago(6, 0),
                    "Eindmeting besproken: de streefniveaus zijn bereikt. Het integraal LOB-plan is klaar voor vaststelling.",
                    "Plan voorleggen aan de MR; jaarlijkse evaluatie in de kwaliteitskalender.",
                ),
            ],
            actions: &[
                act(
                    1,
                    "1.2",
                    "De LOB-visie opnemen in het schoolplan",
                    0,
                    ago(14, 0),
                    Finished,
                ),
                act(
                    4,
                    "4.3",
                    "De jaarlijkse evaluatie van LOB opnemen in de kwaliteitskalender",
                    1,
                    ago(5, 0),
                    Finished,
                ),
                act(
                    5,
                    "5.1",
                    "Eigen scholing LOB voor nieuwe mentoren (vervangen door de regionale training)",
                    2,
                    ago(8, 0),
                    Dropped,
                ),
            ],
        }),
    },
    School {
        slug: "wilgenhoeve",
        name: "Praktijkschool De Wilgenhoeve",
        sector: Sector::Vo,
        types: &[SchoolType::Pro],
        brin: "99XF",
        municipality: "Kolkwijk",
        units: &[("Stage en arbeidstoeleiding", UnitKind::Team)],
        members: &[
            member("lob", "O. de Haan (demo)", F::LobCoordinator),
            member("teamleider", "V. Vermeulen (demo)", F::Teamleider),
            member("mentor", "Z. van den Heuvel (demo)", F::Mentor),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Praktijkschool De Wilgenhoeve",
            coaches: &[1],
            unit: None,
            start: ago(11, 0),
            end: ahead(13, 0),
            status: TrajectoryStatus::Active,
            targets: [B, B, B, B, B],
            components: &[
                done("lob_visie", ago(10, 0), ago(6, 0)),
                done("doorlopende_leerlijn", ago(9, 0), ago(3, 0)),
                busy(
                    "lob_curriculumplanner",
                    ago(5, 0),
                    "Stages en praktijkvakken worden in de planner opgenomen.",
                ),
                busy(
                    "teamontwikkelplan",
                    ago(2, 0),
                    "Behoeften van de mentoren geïnventariseerd.",
                ),
            ],
            evaluations: &[eval(ago(10, 0), Baseline, [M, B, M, M, M])],
            plan: None,
            sessions: &[
                sess(
                    ago(11, 0),
                    "Startbijeenkomst; de stagebegeleiding is de kern van het LOB-programma van de school.",
                    "Nulmeting invullen met de stagecoördinator erbij.",
                ),
                sess(
                    ago(6, 0),
                    "LOB-visie vastgesteld: iedere leerling werkt toe naar een passende plek op de arbeidsmarkt of in het mbo.",
                    "Doorlopende leerlijn afmaken; afspraken over overdracht naar entree-opleidingen.",
                ),
                sess(
                    ago(2, 0),
                    "Curriculumplanner en teamontwikkelplan besproken; de reflectie na de stage kan eenvoudiger.",
                    "De mentor test een korter reflectieformulier in één klas.",
                ),
            ],
            actions: &[
                act(
                    3,
                    "3.2",
                    "Een warme overdracht naar de entree-opleidingen afspreken",
                    0,
                    ago(1, 0),
                    Open,
                ),
                act(
                    2,
                    "2.6",
                    "Het reflectieformulier na de stage vereenvoudigen",
                    2,
                    ahead(1, 0),
                    Doing,
                ),
            ],
        }),
    },
    School {
        slug: "regenboogbrug",
        name: "Vso De Regenboogbrug",
        sector: Sector::Vo,
        types: &[SchoolType::Vso],
        brin: "99XG",
        municipality: "Zuiderhaven",
        units: &[("Uitstroomprofiel arbeid", UnitKind::Department)],
        members: &[
            member("lob", "U. van der Veen (demo)", F::LobCoordinator),
            member("mentor", "Q. van den Broek (demo)", F::Mentor),
        ],
        evaluations: &[
            eval(ago(26, 0), Annual, [M, B, M, M, B]),
            eval(ago(2, 0), Annual, [B, B, B, M, B]),
        ],
        trajectory: None,
    },
    School {
        slug: "tolhek",
        name: "Mavo Het Tolhek",
        sector: Sector::Vo,
        types: &[SchoolType::Mavo],
        brin: "99XH",
        municipality: "Veenmonde",
        units: &[("Leerjaar 3 en 4", UnitKind::Team)],
        members: &[
            member("decaan", "X. de Bruijn (demo)", F::Decaan),
            member("mentor", "I. de Groot (demo)", F::Mentor),
        ],
        evaluations: &[
            eval(ago(23, 0), Annual, [M, B, M, M, M]),
            eval(ago(11, 0), Annual, [B, B, M, B, M]),
        ],
        trajectory: None,
    },
    School {
        slug: "mbozuiderhaven",
        name: "MBO Zuiderhaven",
        sector: Sector::Mbo,
        types: &[SchoolType::Mbo],
        brin: "99XJ",
        municipality: "Zuiderhaven",
        units: &[
            ("College Techniek", UnitKind::Department),
            ("College Zorg en Welzijn", UnitKind::Department),
        ],
        members: &[
            member("lob", "E. Schouten (demo)", F::LobCoordinator),
            member("teamleider", "A. Willems (demo)", F::Teamleider),
            member("slb", "M. Hoekstra (demo)", F::Mentor),
            member("student", "D. Maas (demo, student)", F::Student),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – MBO Zuiderhaven, College Techniek",
            coaches: &[1],
            unit: Some(0),
            start: ago(4, 0),
            end: ahead(20, 0),
            status: TrajectoryStatus::Active,
            targets: [B, B, I, B, B],
            components: &[busy(
                "lob_visie",
                ago(3, 0),
                "Eerste gesprek over de visie met het opleidingsteam gevoerd.",
            )],
            evaluations: &[Eval {
                kind: EvalKind::Draft { steps: 2 },
                ..eval(ago(0, 10), Baseline, [B, M, B, M, M])
            }],
            plan: None,
            sessions: &[
                sess(
                    ago(4, 0),
                    "Startbijeenkomst met het College Techniek; de studentvertegenwoordiger neemt deel aan de kerngroep.",
                    "Nulmeting invullen; de teamleider nodigt twee leerbedrijven uit.",
                ),
                sess(
                    ago(1, 0),
                    "Nulmeting gestart: stap 1 en 2 zijn ingevuld, stap 3 tot en met 5 volgen na overleg met het bedrijfsleven.",
                    "Nulmeting afronden en indienen vóór de volgende bijeenkomst.",
                ),
            ],
            actions: &[act(
                3,
                "3.3",
                "Twee leerbedrijven uitnodigen voor de kerngroep",
                1,
                ahead(1, 0),
                Open,
            )],
        }),
    },
    School {
        slug: "groencollege",
        name: "Groencollege Veenmonde",
        sector: Sector::Mbo,
        types: &[SchoolType::Mbo],
        brin: "99XK",
        municipality: "Veenmonde",
        units: &[("Opleidingen dier en natuur", UnitKind::Department)],
        members: &[
            member("lob", "B. Koster (demo)", F::LobCoordinator),
            member("teamleider", "C. Prins (demo)", F::Teamleider),
            member("slb", "F. Blom (demo)", F::Mentor),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Groencollege Veenmonde",
            coaches: &[1],
            unit: None,
            start: ago(22, 0),
            end: ahead(2, 0),
            status: TrajectoryStatus::Active,
            targets: [B, I, I, B, B],
            components: &[
                done("lob_visie", ago(21, 0), ago(17, 0)),
                done("doorlopende_leerlijn", ago(18, 0), ago(11, 0)),
                done("lob_curriculumplanner", ago(14, 0), ago(8, 0)),
                done("teamontwikkelplan", ago(11, 0), ago(6, 0)),
                done("lob_beleid", ago(8, 0), ago(3, 0)),
                busy(
                    "monitoring",
                    ago(4, 0),
                    "Dashboard met deelname aan LOB-activiteiten per opleiding in de maak.",
                ),
            ],
            evaluations: &[
                eval(ago(21, 0), Baseline, [M, B, B, M, M]),
                eval(ago(10, 0), Interim, [B, B, B, M, B]),
                noted(
                    ago(1, 0),
                    Interim,
                    [B, I, M, B, B],
                    (
                        3,
                        "De samenwerking met het regionale leerbedrijvennetwerk is gestopt; er zijn minder externe partners bij LOB betrokken.",
                    ),
                ),
            ],
            plan: None,
            sessions: &[
                sess(
                    ago(22, 0),
                    "Startbijeenkomst; de opleidingen dier en natuur willen LOB beter laten aansluiten op de bpv.",
                    "Nulmeting invullen met de slb'ers.",
                ),
                sess(
                    ago(15, 0),
                    "Visie vastgesteld en de leerlijn studieloopbaanbegeleiding per leerjaar uitgewerkt.",
                    "Curriculumplanner vullen; arbeidsmarktinformatie in de slb-lessen opnemen.",
                ),
                sess(
                    ago(10, 0),
                    "Tweede meting: studieloopbaanbegeleiding en professionalisering vooruit.",
                    "LOB-beleid schrijven en monitoring opzetten.",
                ),
                sess(
                    ago(1, 0),
                    "Derde meting besproken: stap 2 is geïntegreerd, maar stap 3 is teruggevallen nu het leerbedrijvennetwerk is gestopt.",
                    "De LOB-coördinator zoekt nieuwe partners voor de beroepenoriëntatie.",
                ),
            ],
            actions: &[
                act(
                    3,
                    "3.1",
                    "Nieuwe samenwerkingspartners zoeken voor de beroepenoriëntatie",
                    0,
                    ahead(2, 0),
                    Open,
                ),
                act(
                    4,
                    "4.1",
                    "Een dashboard met deelname aan LOB per opleiding opzetten",
                    1,
                    ago(1, 5),
                    Doing,
                ),
                act(
                    2,
                    "2.7",
                    "Arbeidsmarktinformatie opnemen in de slb-lessen",
                    2,
                    ago(9, 0),
                    Finished,
                ),
            ],
        }),
    },
    School {
        slug: "zorgacademie",
        name: "Zorgacademie Marendaal",
        sector: Sector::Mbo,
        types: &[SchoolType::Mbo],
        brin: "99XL",
        municipality: "Marendaal",
        units: &[("Team verpleging en verzorging", UnitKind::Team)],
        members: &[
            member("lob", "H. Huisman (demo)", F::LobCoordinator),
            member("teamleider", "J. Peeters (demo)", F::Teamleider),
            member("slb", "K. El Amrani (demo)", F::Mentor),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Zorgacademie Marendaal",
            coaches: &[1, 0],
            unit: None,
            start: ago(9, 0),
            end: ahead(15, 0),
            status: TrajectoryStatus::Active,
            targets: [I, B, I, B, B],
            components: &[
                done("lob_visie", ago(8, 0), ago(4, 0)),
                busy(
                    "doorlopende_leerlijn",
                    ago(6, 0),
                    "Afstemming met de vo-scholen over de intake loopt.",
                ),
                busy(
                    "lob_curriculumplanner",
                    ago(3, 0),
                    "Slb-lessen en bpv-reflecties per leerjaar geordend.",
                ),
            ],
            evaluations: &[
                eval(ago(8, 10), Baseline, [B, M, B, M, M]),
                eval(ago(1, 0), Interim, [B, B, B, B, M]),
            ],
            plan: None,
            sessions: &[
                sess(
                    ago(9, 0),
                    "Startbijeenkomst met beide coaches; de zorgacademie werkt al nauw samen met zorginstellingen.",
                    "Nulmeting invullen met het team verpleging en verzorging.",
                ),
                sess(
                    ago(5, 0),
                    "LOB-visie vastgesteld; de leeromgeving krijgt voorrang: loopbaangesprekken koppelen aan de bpv.",
                    "Slb'ers voeren na elke bpv-periode een loopbaangesprek.",
                ),
                sess(
                    ago(1, 0),
                    "Tussenmeting besproken: leeromgeving en monitoring vooruit; professionalisering blijft achter.",
                    "De teamleider regelt scholingsbudget voor de slb'ers.",
                ),
            ],
            actions: &[act(
                5,
                "5.2",
                "Scholingsbudget voor de slb'ers vastleggen in de teamplanning",
                1,
                ahead(2, 0),
                Open,
            )],
        }),
    },
    School {
        slug: "techniekcampus",
        name: "Techniekcampus Kolkwijk",
        sector: Sector::Mbo,
        types: &[SchoolType::Mbo],
        brin: "99XM",
        municipality: "Kolkwijk",
        units: &[
            ("Team installatietechniek", UnitKind::Team),
            ("Team mobiliteit", UnitKind::Team),
        ],
        members: &[
            member("lob", "L. Postma (demo)", F::LobCoordinator),
            member("teamleider", "N. Kramer (demo)", F::Teamleider),
            member("slb", "P. Verbeek (demo)", F::Mentor),
        ],
        evaluations: &[],
        trajectory: Some(Traject {
            title: "Traject Borging LOB – Techniekcampus Kolkwijk",
            coaches: &[1],
            unit: None,
            start: ago(34, 0),
            end: ago(10, 0),
            status: TrajectoryStatus::Completed,
            targets: [B, I, I, B, B],
            components: &[
                done("lob_visie", ago(33, 0), ago(29, 0)),
                done("doorlopende_leerlijn", ago(30, 0), ago(22, 0)),
                done("lob_curriculumplanner", ago(27, 0), ago(20, 0)),
                done("teamontwikkelplan", ago(24, 0), ago(17, 0)),
                done("lob_beleid", ago(20, 0), ago(14, 0)),
                done("monitoring", ago(18, 0), ago(12, 0)),
                done("evaluatie", ago(12, 0), ago(10, 0)),
            ],
            evaluations: &[
                eval(ago(33, 0), Baseline, [M, M, B, M, M]),
                eval(ago(22, 0), Interim, [B, B, B, M, B]),
                eval(ago(10, 15), Final, [B, I, I, B, B]),
            ],
            plan: Some(LobPlan {
                title: "Integraal LOB-plan Techniekcampus Kolkwijk",
                adopted: ago(9, 0),
                reference: "Vastgesteld door het college van bestuur; kwaliteitshandboek, hoofdstuk LOB",
            }),
            sessions: &[
                sess(
                    ago(34, 0),
                    "Startbijeenkomst; de campus wil de samenwerking met het installatie- en mobiliteitsbedrijfsleven benutten voor LOB.",
                    "Nulmeting invullen met beide teams.",
                ),
                sess(
                    ago(22, 0),
                    "Tussenmeting: vooruitgang op alle stappen behalve monitoring.",
                    "Een korte studentenenquête na elke bpv-periode invoeren.",
                ),
                sess(
                    ago(13, 0),
                    "Monitoring loopt; het concept van het integraal LOB-plan is besproken met de teams.",
                    "Eindmeting plannen en het plan voorleggen aan het college van bestuur.",
                ),
                sess(
                    ago(10, 0),
                    "Eindmeting besproken: de streefniveaus zijn bereikt. Afsluiting van het traject.",
                    "Jaarlijkse zelfevaluatie met de checklist in de kwaliteitscyclus.",
                ),
            ],
            actions: &[
                act(
                    4,
                    "4.2",
                    "Een studentenenquête na elke bpv-periode invoeren",
                    0,
                    ago(18, 0),
                    Finished,
                ),
                act(
                    3,
                    "3.3",
                    "Leerbedrijven betrekken bij de beroepenoriëntatie in leerjaar 1",
                    1,
                    ago(14, 0),
                    Finished,
                ),
            ],
        }),
    },
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use lobkader_domain::catalogue;
    use lobkader_domain::institution::{Brin, Email};
    use lobkader_domain::trajectory::programme;
    use std::collections::HashSet;

    #[test]
    fn codes_and_addresses_are_valid_fictional_and_unique() {
        let mut brins = HashSet::new();
        let mut emails: HashSet<_> = COACHES.iter().map(|c| c.email).collect();
        for s in SCHOOLS {
            let brin = Brin::parse(s.brin).unwrap();
            assert!(brin.as_str().starts_with("99"), "{}", s.brin);
            assert!(brins.insert(s.brin), "{} twice", s.brin);
            for m in s.members {
                let email = format!("{}@{}.example", m.local, s.slug);
                Email::parse(&email).unwrap();
                assert!(emails.insert(email.leak()), "{} twice", m.local);
                assert!(m.name.contains("(demo"), "{}", m.name);
            }
        }
        assert!(COACHES.iter().all(|c| c.email.ends_with(".example")));
        assert_eq!(SCHOOLS.len(), 12);
    }

    #[test]
    fn trajectories_refer_to_what_exists() {
        let today = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        let kader = catalogue().latest("kwaliteitskader-lob").unwrap();
        for s in SCHOOLS {
            let Some(t) = &s.trajectory else { continue };
            assert!(t.coaches.iter().all(|&c| c < COACHES.len()), "{}", t.title);
            assert!(t.unit.is_none_or(|u| u < s.units.len()), "{}", t.title);
            assert!(t.start.on(today) < t.end.on(today), "{}", t.title);
            assert_eq!(t.plan.is_some(), t.status == TrajectoryStatus::Completed);
            let mut seen = HashSet::new();
            for c in t.components {
                assert!(programme().component(c.id).is_some(), "{}", c.id);
                assert!(seen.insert(c.id), "{} twice in {}", c.id, t.title);
                if let (Some(a), Some(b)) = (c.started, c.completed) {
                    assert!(a.on(today) <= b.on(today), "{} in {}", c.id, t.title);
                }
            }
            for a in t.actions {
                assert!(a.owner < s.members.len(), "{}", a.text);
                if let Some(q) = a.question {
                    assert_eq!(kader.question(q).unwrap().0.number, a.step, "{}", a.text);
                }
            }
            for e in t.evaluations {
                assert!(e.on.on(today) <= today && e.on.on(today) >= t.start.on(today));
            }
        }
    }
}
