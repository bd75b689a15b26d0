// crmd_datagen: writes a realistic CRM data set straight into a crmd database for the benchmark
// suite (bench/run.sh): accounts, contacts with email addresses and phone numbers, leads,
// opportunities, meetings with attendees and tasks, at a chosen scale up to 1,000,000 contacts.
//
// Loading that many records through the HTTP API would take far longer than the benchmark itself,
// so the generator writes rows directly, in big transactions. The schema comes from
// store::MigrateSchema and the column list of every entity row from metadata, exactly as
// service::RecordWriter builds its INSERT (every stored attribute, NULL or 0 when unset); users go
// through service::CreateUser. The values follow what the API writes: 17-character lowercase hex
// ids, "YYYY-MM-DD HH:MM:SS" UTC datetimes, emailAddressData/phoneNumberData JSON arrays with their
// entity_email_address/entity_phone_number lookup rows, version_number 1, deleted 0, a contact's
// primary account also in account_contact with the title as role.
//
// With --insert-limit N it instead appends N contacts shaped like the benchmark's created ones to
// an existing data set with crmd's durability, timing it: the insert limit bench/run.sh compares
// crmd's writes with. With --update-limit N it updates N random contacts of an existing data set as
// the update benchmark does, timing it: the update limit.
//
// The output is deterministic for a given --seed and --contacts: the same ids, names and dates
// every time. Besides the database, --lists DIR receives the files the wrk scripts read
// (contact_ids.txt, account_ids.txt, first_names.txt, api_key.txt, manifest.json).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <sqlite3.h>

#include "crm/auth/crypto.hpp"
#include "crm/common/json.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/service/user_admin.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include <CLI/CLI.hpp>

namespace crm::bench {
namespace {

namespace json = boost::json;

// --- Deterministic randomness ---------------------------------------------------------------

// xoshiro256** seeded through SplitMix64: fast, and the same sequence on every platform (the
// standard distributions are implementation-defined, so they are not used).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t Next() {
    const std::uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, n); the modulo bias is far below anything a benchmark notices.
  std::uint64_t Below(std::uint64_t n) { return n == 0 ? 0 : Next() % n; }
  std::int64_t Between(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(Below(static_cast<std::uint64_t>(high - low + 1)));
  }
  // True with probability percent/100.
  bool Percent(int percent) { return Below(100) < static_cast<std::uint64_t>(percent); }

  template <typename T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4] = {};
};

// --- Vocabulary -------------------------------------------------------------------------------

constexpr const char* kFirstNames[] = {
    "James",     "Mary",     "Robert",     "Patricia",  "John",      "Jennifer", "Michael",
    "Linda",     "David",    "Elizabeth",  "William",   "Barbara",   "Richard",  "Susan",
    "Joseph",    "Jessica",  "Thomas",     "Sarah",     "Charles",   "Karen",    "Chris",
    "Lisa",      "Daniel",   "Nancy",      "Matthew",   "Betty",     "Anthony",  "Sandra",
    "Mark",      "Margaret", "Donald",     "Ashley",    "Steven",    "Kimberly", "Andrew",
    "Emily",     "Paul",     "Donna",      "Joshua",    "Michelle",  "Kenneth",  "Carol",
    "Kevin",     "Amanda",   "Brian",      "Melissa",   "George",    "Deborah",  "Timothy",
    "Stephanie", "Ronald",   "Rebecca",    "Jason",     "Sharon",    "Edward",   "Laura",
    "Jeffrey",   "Cynthia",  "Ryan",       "Dorothy",   "Jacob",     "Amy",      "Gary",
    "Kathleen",  "Nicholas", "Angela",     "Eric",      "Shirley",   "Jonathan", "Emma",
    "Stephen",   "Brenda",   "Larry",      "Pamela",    "Justin",    "Nicole",   "Scott",
    "Anna",      "Brandon",  "Samantha",   "Benjamin",  "Katherine", "Samuel",   "Christine",
    "Gregory",   "Debra",    "Alexander",  "Rachel",    "Patrick",   "Carolyn",  "Frank",
    "Janet",     "Raymond",  "Maria",      "Jack",      "Olivia",    "Dennis",   "Heather",
    "Jerry",     "Helen",    "Tyler",      "Catherine", "Aaron",     "Diane",    "Jose",
    "Julie",     "Adam",     "Victoria",   "Nathan",    "Joyce",     "Henry",    "Lauren",
    "Zachary",   "Kelly",    "Douglas",    "Christina", "Peter",     "Ruth",     "Kyle",
    "Joan",      "Noah",     "Virginia",   "Ethan",     "Judith",    "Jeremy",   "Evelyn",
    "Walter",    "Hannah",   "Christian",  "Andrea",    "Keith",     "Megan",    "Roger",
    "Cheryl",    "Terry",    "Jacqueline", "Austin",    "Madison",   "Sean",     "Teresa",
    "Gerald",    "Abigail",  "Carl",       "Sophia",    "Harold",    "Martha",   "Dylan",
    "Sara",      "Arthur",   "Gloria",     "Lawrence",  "Janice",    "Jordan",   "Kathryn",
    "Jesse",     "Ann",      "Bryan",      "Isabella",  "Billy",     "Judy",     "Bruce",
    "Charlotte", "Gabriel",  "Julia",      "Joe",       "Grace",     "Logan",    "Amber",
    "Alan",      "Alice",    "Juan",       "Jean",      "Albert",    "Denise",   "Willie",
    "Frances",   "Elijah",   "Danielle",   "Wayne",     "Marilyn",   "Randy",    "Natalie",
    "Vincent",   "Beverly",  "Mason",      "Diana",     "Roy",       "Brittany", "Ralph",
    "Theresa",   "Bobby",    "Kayla",      "Russell",   "Alexis",    "Bradley",  "Doris",
    "Philip",    "Lori",     "Eugene",     "Tiffany"};

constexpr const char* kLastNames[] = {
    "Smith",       "Johnson",    "Williams",   "Brown",      "Jones",      "Garcia",
    "Miller",      "Davis",      "Rodriguez",  "Martinez",   "Hernandez",  "Lopez",
    "Gonzalez",    "Wilson",     "Anderson",   "Thomas",     "Taylor",     "Moore",
    "Jackson",     "Martin",     "Lee",        "Perez",      "Thompson",   "White",
    "Harris",      "Sanchez",    "Clark",      "Ramirez",    "Lewis",      "Robinson",
    "Walker",      "Young",      "Allen",      "King",       "Wright",     "Scott",
    "Torres",      "Nguyen",     "Hill",       "Flores",     "Green",      "Adams",
    "Nelson",      "Baker",      "Hall",       "Rivera",     "Campbell",   "Mitchell",
    "Carter",      "Roberts",    "Gomez",      "Phillips",   "Evans",      "Turner",
    "Diaz",        "Parker",     "Cruz",       "Edwards",    "Collins",    "Reyes",
    "Stewart",     "Morris",     "Morales",    "Murphy",     "Cook",       "Rogers",
    "Gutierrez",   "Ortiz",      "Morgan",     "Cooper",     "Peterson",   "Bailey",
    "Reed",        "Kelly",      "Howard",     "Ramos",      "Kim",        "Cox",
    "Ward",        "Richardson", "Watson",     "Brooks",     "Chavez",     "Wood",
    "James",       "Bennett",    "Gray",       "Mendoza",    "Ruiz",       "Hughes",
    "Price",       "Alvarez",    "Castillo",   "Sanders",    "Patel",      "Myers",
    "Long",        "Ross",       "Foster",     "Jimenez",    "Powell",     "Jenkins",
    "Perry",       "Russell",    "Sullivan",   "Bell",       "Coleman",    "Butler",
    "Henderson",   "Barnes",     "Gonzales",   "Fisher",     "Vasquez",    "Simmons",
    "Romero",      "Jordan",     "Patterson",  "Alexander",  "Hamilton",   "Graham",
    "Reynolds",    "Griffin",    "Wallace",    "Moreno",     "West",       "Cole",
    "Hayes",       "Bryant",     "Herrera",    "Gibson",     "Ellis",      "Tran",
    "Medina",      "Aguilar",    "Stevens",    "Murray",     "Ford",       "Castro",
    "Marshall",    "Owens",      "Harrison",   "Fernandez",  "McDonald",   "Woods",
    "Washington",  "Kennedy",    "Wells",      "Vargas",     "Henry",      "Chen",
    "Freeman",     "Webb",       "Tucker",     "Guzman",     "Burns",      "Crawford",
    "Olson",       "Simpson",    "Porter",     "Hunter",     "Gordon",     "Mendez",
    "Silva",       "Shaw",       "Snyder",     "Mason",      "Dixon",      "Munoz",
    "Hunt",        "Hicks",      "Holmes",     "Palmer",     "Wagner",     "Black",
    "Robertson",   "Boyd",       "Rose",       "Stone",      "Salazar",    "Fox",
    "Warren",      "Mills",      "Meyer",      "Rice",       "Schmidt",    "Garza",
    "Daniels",     "Ferguson",   "Nichols",    "Stephens",   "Soto",       "Weaver",
    "Ryan",        "Gardner",    "Payne",      "Grant",      "Dunn",       "Kelley",
    "Spencer",     "Hawkins",    "Arnold",     "Pierce",     "Vazquez",    "Hansen",
    "Peters",      "Santos",     "Hart",       "Bradley",    "Knight",     "Elliott",
    "Cunningham",  "Duncan",     "Armstrong",  "Hudson",     "Carroll",    "Lane",
    "Riley",       "Andrews",    "Alvarado",   "Ray",        "Delgado",    "Berry",
    "Perkins",     "Hoffman",    "Johnston",   "Matthews",   "Pena",       "Richards",
    "Contreras",   "Willis",     "Carpenter",  "Lawrence",   "Sandoval",   "Guerrero",
    "George",      "Chapman",    "Rios",       "Estrada",    "Ortega",     "Watkins",
    "Greene",      "Nunez",      "Wheeler",    "Valdez",     "Harper",     "Burke",
    "Larson",      "Santiago",   "Maldonado",  "Morrison",   "Franklin",   "Carlson",
    "Austin",      "Dominguez",  "Carr",       "Lawson",     "Jacobs",     "Obrien",
    "Lynch",       "Singh",      "Vega",       "Bishop",     "Montgomery", "Oliver",
    "Jensen",      "Harvey",     "Williamson", "Gilbert",    "Dean",       "Sims",
    "Espinoza",    "Howell",     "Li",         "Wong",       "Reid",       "Hanson",
    "Le",          "McCoy",      "Garrett",    "Burton",     "Fuller",     "Wang",
    "Weber",       "Welch",      "Rojas",      "Lucas",      "Marquez",    "Fields",
    "Park",        "Yang",       "Little",     "Banks",      "Padilla",    "Day",
    "Walsh",       "Bowman",     "Schultz",    "Luna",       "Fowler",     "Mejia",
    "Davidson",    "Acosta",     "Brewer",     "May",        "Holland",    "Juarez",
    "Newman",      "Pearson",    "Curtis",     "Cortez",     "Douglas",    "Schneider",
    "Joseph",      "Barrett",    "Navarro",    "Figueroa",   "Keller",     "Avila",
    "Wade",        "Molina",     "Stanley",    "Hopkins",    "Campos",     "Barnett",
    "Bates",       "Chambers",   "Caldwell",   "Beck",       "Lambert",    "Miranda",
    "Byrd",        "Craig",      "Ayala",      "Lowe",       "Frazier",    "Powers",
    "Neal",        "Leonard",    "Gregory",    "Carrillo",   "Sutton",     "Fleming",
    "Rhodes",      "Shelton",    "Schwartz",   "Norris",     "Jennings",   "Watts",
    "Duran",       "Walters",    "Cohen",      "McDaniel",   "Moran",      "Parks",
    "Steele",      "Vaughn",     "Becker",     "Holt",       "Deleon",     "Barker",
    "Terry",       "Hale",       "Leon",       "Hail",       "Benson",     "Haynes",
    "Horton",      "Miles",      "Lyons",      "Pham",       "Graves",     "Bush",
    "Thornton",    "Wolfe",      "Warner",     "Cabrera",    "McKinney",   "Mann",
    "Zimmerman",   "Dawson",     "Lara",       "Fletcher",   "Page",       "McCarthy",
    "Love",        "Robles",     "Cervantes",  "Solis",      "Erickson",   "Reeves",
    "Chang",       "Klein",      "Salinas",    "Fuentes",    "Baldwin",    "Daniel",
    "Simon",       "Velasquez",  "Hardy",      "Higgins",    "Aguirre",    "Lin",
    "Cummings",    "Chandler",   "Sharp",      "Barber",     "Bowen",      "Ochoa",
    "Dennis",      "Robbins",    "Liu",        "Ramsey",     "Francis",    "Griffith",
    "Paul",        "Blair",      "Oconnor",    "Cardenas",   "Pacheco",    "Cross",
    "Calderon",    "Quinn",      "Moss",       "Swanson",    "Chan",       "Rivas",
    "Khan",        "Rodgers",    "Serrano",    "Fitzgerald", "Rosales",    "Stevenson",
    "Christensen", "Manning",    "Gill",       "Curry",      "McLaughlin", "Harmon",
    "McGee",       "Gross",      "Doyle",      "Garner",     "Newton",     "Burgess",
    "Reese",       "Walton",     "Blake",      "Trujillo",   "Adkins",     "Brady",
    "Goodman",     "Roman",      "Webster",    "Goodwin",    "Fischer",    "Huang",
    "Potter",      "Delacruz",   "Montoya",    "Todd",       "Wu",         "Hines",
    "Mullins",     "Castaneda",  "Malone",     "Cannon",     "Tate",       "Mack",
    "Sherman",     "Hubbard",    "Hodges",     "Zhang",      "Guerra",     "Wolf",
    "Valencia",    "Saunders",   "Franco",     "Rowe",       "Gallagher",  "Farmer",
    "Hammond",     "Hampton",    "Townsend",   "Ingram",     "Wise",       "Gallegos",
    "Clarke",      "Barton",     "Schroeder",  "Maxwell",    "Waters",     "Logan",
    "Camacho",     "Strickland", "Norman",     "Person",     "Colon",      "Parsons",
    "Frank",       "Harrington", "Glover",     "Osborne",    "Buchanan",   "Casey",
    "Floyd",       "Patton",     "Ibarra",     "Ball",       "Tyler",      "Suarez",
    "Bowers",      "Orozco",     "Salas",      "Cobb",       "Gibbs",      "Andrade",
    "Bauer",       "Conner",     "Moody",      "Escobar",    "McGuire",    "Lloyd",
    "Mueller",     "Hartman",    "French",     "Kramer",     "McBride",    "Pope",
    "Lindsey",     "Velazquez",  "Norton",     "McCormick",  "Sparks",     "Flynn",
    "Yates",       "Hogan",      "Marsh",      "Macias",     "Villanueva", "Zamora",
    "Pratt",       "Stokes",     "Owen",       "Ballard",    "Lang",       "Brock",
    "Villarreal",  "Charles",    "Drake",      "Barrera",    "Cain",       "Patrick",
    "Pineda",      "Burnett",    "Mercado",    "Santana",    "Shepherd",   "Bautista",
    "Ali",         "Shaffer",    "Lamb",       "Trevino",    "McKenzie",   "Hess",
    "Beil",        "Olsen",      "Cochran",    "Morton",     "Nash",       "Wilkins",
    "Petersen",    "Briggs",     "Shah",       "Roth",       "Nicholson",  "Holloway",
    "Lozano",      "Rangel",     "Flowers",    "Hoover",     "Short",      "Arias",
    "Mora",        "Valenzuela", "Bryan",      "Meyers",     "Weiss",      "Underwood",
    "Bass",        "Greer",      "Summers",    "Houston",    "Carson",     "Morrow",
    "Clayton",     "Whitaker",   "Decker",     "Yoder",      "Collier",    "Zuniga",
    "Carey",       "Wilcox",     "Melendez",   "Poole",      "Roberson",   "Larsen",
    "Conley",      "Davenport",  "Copeland",   "Massey",     "Lam",        "Huff",
    "Rocha",       "Cameron",    "Jefferson",  "Hood",       "Monroe",     "Anthony",
    "Pittman",     "Huynh",      "Randall",    "Singleton",  "Kirk",       "Combs",
    "Mathis",      "Christian",  "Skinner",    "Bradford",   "Richard",    "Galvan",
    "Wall",        "Boone",      "Kirby",      "Wilkinson",  "Bridges",    "Bruce",
    "Atkinson",    "Velez",      "Meza",       "Roy",        "Vincent",    "York",
    "Hodge",       "Villa",      "Abbott",     "Allison",    "Tapia",      "Gates",
    "Chase",       "Sosa",       "Sweeney",    "Farrell",    "Wyatt",      "Dalton",
    "Horn",        "Barron",     "Phelps",     "Yu",         "Dickerson",  "Heath",
    "Foley",       "Atkins",     "Mathews",    "Bonilla",    "Acevedo",    "Benitez",
    "Zavala",      "Hensley",    "Glenn",      "Cisneros",   "Harrell",    "Shields",
    "Rubio",       "Choi",       "Huffman",    "Boyer",      "Garrison",   "Arroyo",
    "Bond",        "Kane",       "Hancock",    "Callahan",   "Dillon",     "Cline",
    "Wiggins",     "Grimes",     "Arellano",   "Melton",     "Oneill",     "Savage",
    "Ho",          "Beltran",    "Pitts",      "Parrish",    "Ponce",      "Rich",
    "Booth",       "Koch",       "Golden",     "Ware",       "Brennan",    "McDowell",
    "Marks",       "Cantu",      "Humphrey",   "Baxter",     "Sawyer",     "Clay",
    "Tanner",      "Hutchinson", "Kaur",       "Berg",       "Wiley",      "Gilmore",
    "Russo",       "Villegas",   "Hobbs",      "Keith",      "Wilkerson",  "Ahmed",
    "Beard",       "McClain",    "Montes",     "Mata",       "Rosario",    "Vang",
    "Walter",      "Henson",     "Oneal",      "Mosley",     "McClure",    "Beasley",
    "Stephenson",  "Snow",       "Huerta",     "Preston",    "Vance",      "Barry",
    "Johns",       "Eaton",      "Blackwell",  "Dyer",       "Prince",     "Macdonald",
    "Solomon",     "Guevara",    "Stafford",   "English",    "Hurst",      "Woodard",
    "Cortes",      "Shannon",    "Kemp",       "Nolan",      "McCullough", "Merritt",
    "Murillo",     "Moon",       "Salgado",    "Strong",     "Kline",      "Cordova",
    "Barajas",     "Roach",      "Rosas",      "Winters",    "Jacobson",   "Lester",
    "Knox",        "Bullock",    "Kerr",       "Leach",      "Meadows",    "Orr",
    "Davila",      "Whitehead",  "Pruitt",     "Kent",       "Conway",     "McKee",
    "Barr",        "David",      "Dejesus",    "Marin",      "Berger",     "McIntyre",
    "Blankenship", "Gaines",     "Palacios",   "Cuevas",     "Bartlett",   "Durham",
    "Dorsey",      "McCall",     "Odonnell",   "Stein",      "Browning",   "Stout",
    "Lowery",      "Sloan",      "McLean",     "Hendricks",  "Calhoun",    "Sexton",
    "Chung",       "Gentry",     "Hull",       "Duarte",     "Ellison",    "Nielsen",
    "Gillespie",   "Buck",       "Middleton",  "Sellers",    "Leblanc",    "Esparza",
    "Hardin",      "Bradshaw",   "McIntosh",   "Howe",       "Livingston", "Frost",
    "Glass",       "Morse",      "Knapp",      "Herman",     "Stark",      "Bravo",
    "Noble",       "Spears",     "Weeks",      "Corona",     "Frederick",  "Buckley",
    "McFarland",   "Hebert",     "Enriquez",   "Hickman",    "Quintero",   "Randolph",
    "Schaefer",    "Walls",      "Trejo",      "House",      "Reilly",     "Pennington",
    "Michael",     "Conrad",     "Giles",      "Benjamin",   "Crosby",     "Fitzpatrick",
    "Donovan",     "Mays",       "Mahoney",    "Valentine",  "Raymond",    "Medrano",
    "Hahn",        "McMillan",   "Small",      "Bentley",    "Felix",      "Peck",
    "Lucero",      "Boyle",      "Hanna",      "Pace",       "Rush",       "Hurley",
    "Harding",     "McConnell",  "Bernal",     "Nava",       "Ayers",      "Everett",
    "Ventura",     "Avery",      "Pugh",       "Mayer",      "Bender",     "Shepard",
    "McMahon",     "Landry",     "Case",       "Sampson",    "Moses",      "Magana",
    "Blackburn",   "Dunlap",     "Gould",      "Duffy",      "Vaughan",    "Herring",
    "McKay",       "Espinosa",   "Rivers",     "Farley",     "Bernard",    "Ashley",
    "Friedman",    "Potts",      "Truong",     "Costa",      "Correa",     "Blevins",
    "Nixon",       "Clements",   "Fry",        "Delarosa",   "Best",       "Benton",
    "Lugo",        "Portillo",   "Dougherty",  "Crane",      "Haley",      "Phan",
    "Villalobos",  "Blanchard",  "Horne",      "Finley",     "Quintana",   "Lynn",
    "Esquivel",    "Bean",       "Dodson",     "Mullen",     "Xiong",      "Hayden",
    "Cano",        "Levy",       "Huber",      "Richmond",   "Moyer",      "Lim",
    "Frye",        "Sheppard",   "McCarty",    "Avalos",     "Booker",     "Waller",
    "Parra",       "Woodward",   "Jaramillo",  "Krueger",    "Rasmussen",  "Brandt",
    "Peralta",     "Donaldson",  "Stuart",     "Faulkner",   "Maynard",    "Galindo",
    "Coffey",      "Estes",      "Sanford",    "Burch",      "Maddox",     "Vo",
    "Oconnell",    "Vu",         "Andersen",   "Spence",     "McPherson",  "Church",
    "Schmitt",     "Stanton",    "Leal",       "Cherry",     "Compton",    "Dudley",
    "Sierra",      "Pollard",    "Alfaro",     "Hester",     "Proctor",    "Lu",
    "Hinton",      "Novak",      "Good",       "Madden",     "McCann",     "Terrell",
    "Jarvis",      "Dickson",    "Reyna",      "Cantrell",   "Mayo",       "Branch",
    "Hendrix",     "Rollins",    "Rowland",    "Whitney",    "Duke",       "Odom",
    "Daugherty",   "Travis",     "Tang",       "Archer"};

constexpr const char* kCompanyWords[] = {
    "Acme",      "Globex",   "Initech",  "Umbrella", "Stark",    "Wayne",   "Tyrell",  "Cyberdyne",
    "Soylent",   "Vandelay", "Hooli",    "Pied",     "Aperture", "Massive", "Oscorp",  "Wonka",
    "Gringotts", "Monarch",  "Nakatomi", "Virtucon", "Blue",     "Red",     "Green",   "Silver",
    "Golden",    "North",    "South",    "East",     "West",     "Summit",  "Pioneer", "Atlas",
    "Apex",      "Vertex",   "Zenith",   "Nova",     "Orbit",    "Quantum", "Fusion",  "Vector",
    "Harbor",    "River",    "Lake",     "Mountain", "Valley",   "Prairie", "Coastal", "Metro",
    "Urban",     "Rural",    "Alpine",   "Polar",    "Solar",    "Lunar",   "Stellar", "Crystal",
    "Iron",      "Copper",   "Granite",  "Oak",      "Maple",    "Cedar",   "Pine",    "Willow"};
constexpr const char* kCompanyNouns[] = {
    "Systems",    "Industries", "Labs",     "Works",     "Solutions", "Dynamics", "Logistics",
    "Partners",   "Holdings",   "Networks", "Foods",     "Motors",    "Energy",   "Health",
    "Media",      "Capital",    "Software", "Analytics", "Robotics",  "Textiles", "Pharma",
    "Consulting", "Supply",     "Design",   "Studios",   "Foundry",   "Ventures", "Group"};
constexpr const char* kCompanySuffixes[] = {"Inc", "LLC", "Ltd", "GmbH", "Corp", "Co", "AG", "SA"};

constexpr const char* kTitles[] = {"CEO",
                                   "CTO",
                                   "CFO",
                                   "VP Sales",
                                   "VP Marketing",
                                   "Sales Manager",
                                   "Account Executive",
                                   "Engineer",
                                   "Senior Engineer",
                                   "Product Manager",
                                   "Buyer",
                                   "Procurement Lead",
                                   "Office Manager",
                                   "Director of Operations",
                                   "Marketing Specialist",
                                   "Consultant",
                                   "Analyst",
                                   "Support Lead",
                                   "HR Manager",
                                   "Head of IT"};

constexpr const char* kStreets[] = {"Main St",   "Oak Ave",        "Park Rd",   "Elm St",
                                    "Maple Dr",  "Cedar Ln",       "Pine St",   "Lake Blvd",
                                    "Hill Rd",   "Washington Ave", "Market St", "High St",
                                    "Church Rd", "Station Rd",     "Broadway",  "Sunset Blvd"};
struct Place {
  const char* city;
  const char* state;
  const char* country;
};
constexpr Place kPlaces[] = {{"New York", "NY", "United States"},
                             {"Los Angeles", "CA", "United States"},
                             {"Chicago", "IL", "United States"},
                             {"Houston", "TX", "United States"},
                             {"Phoenix", "AZ", "United States"},
                             {"Philadelphia", "PA", "United States"},
                             {"San Antonio", "TX", "United States"},
                             {"San Diego", "CA", "United States"},
                             {"Dallas", "TX", "United States"},
                             {"Austin", "TX", "United States"},
                             {"Seattle", "WA", "United States"},
                             {"Denver", "CO", "United States"},
                             {"Boston", "MA", "United States"},
                             {"Portland", "OR", "United States"},
                             {"Toronto", "ON", "Canada"},
                             {"Vancouver", "BC", "Canada"},
                             {"London", "", "United Kingdom"},
                             {"Manchester", "", "United Kingdom"},
                             {"Berlin", "BE", "Germany"},
                             {"Munich", "BY", "Germany"},
                             {"Paris", "", "France"},
                             {"Lyon", "", "France"},
                             {"Madrid", "", "Spain"},
                             {"Amsterdam", "", "Netherlands"},
                             {"Stockholm", "", "Sweden"},
                             {"Sydney", "NSW", "Australia"},
                             {"Melbourne", "VIC", "Australia"},
                             {"Dublin", "", "Ireland"},
                             {"Zurich", "ZH", "Switzerland"},
                             {"Vienna", "", "Austria"}};

constexpr const char* kSalutations[] = {"Mr.", "Ms.", "Mrs.", "Dr."};
constexpr const char* kAccountTypes[] = {"Customer", "Investor", "Partner", "Reseller"};
constexpr const char* kIndustries[] = {
    "Advertising", "Aerospace",    "Agriculture",        "Automotive",    "Banking",
    "Chemical",    "Construction", "Consulting",         "Education",     "Electronics",
    "Energy",      "Finance",      "Healthcare",         "Insurance",     "Manufacturing",
    "Retail",      "Software",     "Telecommunications", "Transportation"};
constexpr const char* kLeadStatuses[] = {"New",        "New",      "Assigned", "In Process",
                                         "In Process", "Recycled", "Dead"};
constexpr const char* kSources[] = {
    "Call",     "Email", "Existing Customer", "Partner", "Public Relations", "Web Site",
    "Campaign", "Other"};
constexpr const char* kProducts[] = {"Annual licence", "Renewal",  "Expansion",  "Pilot",
                                     "Support plan",   "Hardware", "Consulting", "Training"};
struct Stage {
  const char* name;
  int probability;
};
// Opportunity stages with the probability business_rules.cpp assigns to each.
constexpr Stage kStages[] = {{"Prospecting", 10}, {"Qualification", 20}, {"Proposal", 50},
                             {"Negotiation", 80}, {"Closed Won", 100},   {"Closed Lost", 0}};
constexpr const char* kMeetingStatuses[] = {"Planned", "Held", "Held", "Not Held"};
constexpr const char* kAcceptance[] = {"None", "Accepted", "Tentative", "Declined"};
constexpr const char* kTaskStatuses[] = {"Not Started", "Started",  "Completed",
                                         "Completed",   "Canceled", "Deferred"};
constexpr const char* kPriorities[] = {"Low", "Normal", "Normal", "High", "Urgent"};
constexpr const char* kMeetingTopics[] = {"Kick-off", "Demo",       "Quarterly review",
                                          "Pricing",  "Onboarding", "Contract review",
                                          "Workshop", "Lunch"};
constexpr const char* kTaskTopics[] = {"Send proposal",  "Follow up",     "Call back",
                                       "Prepare quote",  "Send contract", "Check invoice",
                                       "Update records", "Schedule demo"};
constexpr const char* kSentences[] = {
    "Met at the trade fair; interested in the premium plan.",
    "Prefers email over phone. Decision expected next quarter.",
    "Existing customer since 2019, renewal due in spring.",
    "Asked for a detailed quote and references in the same industry.",
    "Budget approved; waiting for the procurement department.",
    "Referred by a partner. Follow up after the holidays."};

// --- Time and ids -------------------------------------------------------------------------------

// Records are spread over two years before this instant (2025-01-01 00:00:00 UTC), so that ids,
// createdAt and "last N days" filters look like those of a server that has run for a while.
constexpr std::int64_t kEpochEnd = 1735689600;
constexpr std::int64_t kSpanSeconds = 2 * 365 * 24 * 3600;

std::string DateTime(std::int64_t seconds) {
  return FormatDateTime(TimePoint(std::chrono::seconds(seconds)));
}
std::string Date(std::int64_t seconds) {
  return FormatDate(TimePoint(std::chrono::seconds(seconds)));
}

// Ids in the server's format (common/ids.cpp): 8 hex digits of seconds, 5 of microseconds, 4
// random. The microsecond part here is a global counter, which keeps ids unique and increasing in
// time order like those the server hands out.
class IdSource {
 public:
  explicit IdSource(Rng& rng) : rng_(rng) {}
  std::string Make(std::int64_t seconds) {
    char buffer[18];
    std::snprintf(buffer, sizeof buffer, "%08llx%05llx%04x",
                  static_cast<unsigned long long>(seconds) & 0xffffffffULL,
                  static_cast<unsigned long long>(counter_++ % 1000000),
                  static_cast<unsigned>(rng_.Below(0x10000)));
    return std::string(buffer, 17);
  }

 private:
  Rng& rng_;
  std::uint64_t counter_ = 0;
};

// --- SQLite helpers -----------------------------------------------------------------------------

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "crmd_datagen: " << message << "\n";
  std::exit(1);
}

void Check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    Die(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    Die(sql + ": " + message);
  }
}

std::string Quote(std::string_view identifier) { return "\"" + std::string(identifier) + "\""; }

// A prepared statement without parameters: Run() for one that returns no rows, Step() to walk the
// rows of a SELECT.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    Check(db_, sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
          sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void Run() {
    Check(db_, sqlite3_step(stmt_), sqlite3_sql(stmt_));
    sqlite3_reset(stmt_);
  }
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    Check(db_, rc, sqlite3_sql(stmt_));
    return rc == SQLITE_ROW;
  }
  void Bind(int index, std::string_view text) {
    Check(db_,
          sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT),
          sqlite3_sql(stmt_));
  }
  std::string_view Text(int column) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text == nullptr
               ? std::string_view()
               : std::string_view(text,
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::int64_t Int(int column) { return sqlite3_column_int64(stmt_, column); }
  void Reset() { sqlite3_reset(stmt_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs write(i) for i in [0, n) as crmd's writer runs its jobs: `rows_per_commit` to a transaction
// and, with `savepoint_per_row`, each in its own savepoint. Returns the seconds it took, commits
// included. The write limits time their rows with it.
template <typename Write>
double TimeGroupedWrites(sqlite3* db, std::int64_t n, std::int64_t rows_per_commit,
                         bool savepoint_per_row, Write write) {
  Statement begin(db, "BEGIN"), commit(db, "COMMIT"), savepoint(db, "SAVEPOINT crmd_row"),
      release(db, "RELEASE crmd_row");
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < n; ++i) {
    if (i % rows_per_commit == 0) begin.Run();
    if (savepoint_per_row) savepoint.Run();
    write(i);
    if (savepoint_per_row) release.Run();
    if ((i + 1) % rows_per_commit == 0 || i + 1 == n) commit.Run();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A prepared INSERT with one text/int/real/null value per column, bound by position.
class Insert {
 public:
  Insert(sqlite3* db, std::string table, std::vector<std::string> columns)
      : db_(db), columns_(std::move(columns)) {
    std::string sql = "INSERT INTO " + Quote(table) + " (";
    std::string values;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      sql += (i == 0 ? "" : ", ") + Quote(columns_[i]);
      values += i == 0 ? "?" : ", ?";
    }
    sql += ") VALUES (" + values + ")";
    Check(db_, sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
          sql);
    values_.resize(columns_.size());
    defaults_.resize(columns_.size());
  }
  ~Insert() { sqlite3_finalize(stmt_); }
  Insert(const Insert&) = delete;
  Insert& operator=(const Insert&) = delete;

  int Slot(std::string_view column) const {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i] == column) return static_cast<int>(i);
    }
    return -1;
  }

  // Values stay bound until Run(); strings are copied into per-slot buffers.
  void Text(int slot, std::string_view text) {
    Value& v = values_[static_cast<std::size_t>(slot)];
    v.kind = Kind::kText;
    v.text.assign(text);
  }
  void Int(int slot, std::int64_t number) {
    Value& v = values_[static_cast<std::size_t>(slot)];
    v.kind = Kind::kInt;
    v.number = number;
  }
  void Real(int slot, double number) {
    Value& v = values_[static_cast<std::size_t>(slot)];
    v.kind = Kind::kReal;
    v.real = number;
  }
  void Null(int slot) { values_[static_cast<std::size_t>(slot)].kind = Kind::kNull; }

  // Inserts the row, then resets every slot to its default (NULL, or what SetDefault gave).
  void Run() {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      const Value& v = values_[i];
      const int index = static_cast<int>(i) + 1;
      switch (v.kind) {
        case Kind::kNull:
          sqlite3_bind_null(stmt_, index);
          break;
        case Kind::kInt:
          sqlite3_bind_int64(stmt_, index, v.number);
          break;
        case Kind::kReal:
          sqlite3_bind_double(stmt_, index, v.real);
          break;
        case Kind::kText:
          sqlite3_bind_text(stmt_, index, v.text.data(), static_cast<int>(v.text.size()),
                            SQLITE_STATIC);
          break;
      }
    }
    Check(db_, sqlite3_step(stmt_), "insert");
    sqlite3_reset(stmt_);
    for (std::size_t i = 0; i < values_.size(); ++i) {
      values_[i].kind = defaults_[i].kind;
      values_[i].number = defaults_[i].number;
    }
    ++rows_;
  }

  // The value a slot takes when a row does not set it (bool columns: 0, as the server writes).
  void SetDefaultInt(int slot, std::int64_t number) {
    defaults_[static_cast<std::size_t>(slot)] = Value{Kind::kInt, number, 0, {}};
    values_[static_cast<std::size_t>(slot)] = defaults_[static_cast<std::size_t>(slot)];
  }
  std::uint64_t rows() const { return rows_; }

 private:
  enum class Kind { kNull, kInt, kReal, kText };
  struct Value {
    Kind kind = Kind::kNull;
    std::int64_t number = 0;
    double real = 0;
    std::string text;
  };

  sqlite3* db_;
  std::vector<std::string> columns_;
  sqlite3_stmt* stmt_ = nullptr;
  std::vector<Value> values_;
  std::vector<Value> defaults_;
  std::uint64_t rows_ = 0;
};

// The INSERT for one entity table: id, deleted, version_number and every stored attribute in
// metadata order, as service::RecordWriter::Create writes it. Rows name attributes by their wire
// name ("firstName"); a name metadata does not have is a programming error and stops the run.
class EntityInsert {
 public:
  EntityInsert(sqlite3* db, const metadata::EntityDef& entity)
      : entity_(entity), insert_(db, entity.table, Columns(entity)) {
    for (const auto& attribute : entity.attributes) {
      if (!Writable(attribute)) continue;
      const int slot = insert_.Slot(attribute.column);
      slots_.emplace(attribute.name, slot);
      if (attribute.type == metadata::ValueType::kBool) insert_.SetDefaultInt(slot, 0);
    }
    id_slot_ = insert_.Slot("id");
    deleted_slot_ = insert_.Slot("deleted");
    version_slot_ = insert_.Slot("version_number");
  }

  int Slot(std::string_view attribute) const {
    const auto found = slots_.find(std::string(attribute));
    if (found == slots_.end())
      Die(entity_.name + " has no stored attribute " + std::string(attribute));
    return found->second;
  }
  void Text(std::string_view attribute, std::string_view value) {
    insert_.Text(Slot(attribute), value);
  }
  void Int(std::string_view attribute, std::int64_t value) { insert_.Int(Slot(attribute), value); }
  void Real(std::string_view attribute, double value) { insert_.Real(Slot(attribute), value); }
  // `version` is the row's version_number: 1 when created, one more per update.
  void Run(std::string_view id, std::int64_t version = 1) {
    insert_.Text(id_slot_, id);
    insert_.Int(deleted_slot_, 0);
    insert_.Int(version_slot_, version);
    insert_.Run();
  }
  std::uint64_t rows() const { return insert_.rows(); }

 private:
  static bool Writable(const metadata::AttributeDef& attribute) {
    return attribute.stored() && attribute.name != "id" && attribute.name != "deleted" &&
           attribute.name != "versionNumber";
  }
  static std::vector<std::string> Columns(const metadata::EntityDef& entity) {
    std::vector<std::string> columns = {"id", "deleted", "version_number"};
    for (const auto& attribute : entity.attributes) {
      if (Writable(attribute)) columns.push_back(attribute.column);
    }
    return columns;
  }

  const metadata::EntityDef& entity_;
  Insert insert_;
  std::unordered_map<std::string, int> slots_;
  int id_slot_ = -1;
  int deleted_slot_ = -1;
  int version_slot_ = -1;
};

// --- The generator ------------------------------------------------------------------------------

struct Options {
  std::string data_dir;
  std::string lists_dir;
  std::int64_t contacts = 2000;
  std::uint64_t seed = 42;
  std::int64_t max_list_ids = 200000;
  int users = 20;
  int teams = 4;
  // --insert-limit: contacts to append to the existing data set instead of generating one.
  std::int64_t insert_limit = 0;
  // --update-limit: random existing contacts to update instead of generating a data set.
  std::int64_t update_limit = 0;
  std::int64_t rows_per_commit = 1000;
  bool savepoint_per_row = false;
  int cache_mib = 0;  // 0: crmd's default page cache
  int mmap_mib = 0;   // crmd's --mmap-mib
};

struct Counts {
  std::int64_t accounts = 0;
  std::int64_t contacts = 0;
  std::int64_t leads = 0;
  std::int64_t opportunities = 0;
  std::int64_t meetings = 0;
  std::int64_t tasks = 0;
};

// Shares of the other entities per contact: a B2B CRM with ten contacts per account.
Counts CountsFor(std::int64_t contacts) {
  Counts counts;
  counts.contacts = contacts;
  counts.accounts = std::max<std::int64_t>(1, contacts / 10);
  counts.leads = contacts / 5;
  counts.opportunities = std::max<std::int64_t>(1, contacts / 10);
  counts.meetings = std::max<std::int64_t>(1, contacts / 10);
  counts.tasks = contacts / 5;
  return counts;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Digits(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

std::string Slug(std::string_view text) {
  std::string out;
  for (char c : Lower(text)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
  }
  return out;
}

class Generator {
 public:
  Generator(const Options& options, const metadata::Metadata& metadata, sqlite3* db,
            std::vector<std::string> user_ids, std::vector<std::string> team_ids)
      : metadata_(metadata),
        db_(db),
        rng_(options.seed),
        ids_(rng_),
        counts_(CountsFor(options.contacts)),
        user_ids_(std::move(user_ids)),
        team_ids_(std::move(team_ids)),
        email_(db, "entity_email_address", {"entity_type", "entity_id", "lower", "is_primary"}),
        phone_(db, "entity_phone_number", {"entity_type", "entity_id", "numeric", "is_primary"}),
        entity_team_(db, "entity_team", {"entity_id", "team_id", "entity_type"}),
        account_contact_(db, "account_contact",
                         {"account_id", "contact_id", "role", "is_inactive"}),
        contact_opportunity_(db, "contact_opportunity", {"contact_id", "opportunity_id", "role"}),
        contact_meeting_(db, "contact_meeting", {"contact_id", "meeting_id", "status"}),
        meeting_user_(db, "meeting_user", {"meeting_id", "user_id", "status"}) {}

  const Counts& counts() const { return counts_; }
  const std::vector<std::string>& contact_ids() const { return contact_ids_; }
  const std::vector<std::string>& account_ids() const { return account_ids_; }
  std::uint64_t rows() const { return rows_; }

  // The insert limit (--insert-limit): appends `n` contacts to a data set generated earlier, as
  // fast as SQLite takes them with crmd's durability, `rows_per_commit` to a transaction and, with
  // `savepoint_per_row`, each row in its own savepoint as crmd's writer runs each job. Returns the
  // seconds it took, commits included.
  double AppendContacts(std::int64_t n, std::int64_t rows_per_commit, bool savepoint_per_row,
                        std::string creator_id) {
    creator_id_ = std::move(creator_id);
    LoadAccounts();
    const std::int64_t existing = CountRows("contact");
    EntityInsert insert(db_, metadata_.Entity("Contact"));
    return TimeGroupedWrites(db_, n, rows_per_commit, savepoint_per_row, [&](std::int64_t i) {
      // New records are the newest: ids and createdAt after the generated span, in order.
      CreatedContact(insert, existing + i, kEpochEnd + existing + i);
    });
  }

  void Run() {
    Phase("accounts", [this] { Accounts(); });
    Phase("contacts", [this] { Contacts(); });
    Phase("leads", [this] { Leads(); });
    Phase("opportunities", [this] { Opportunities(); });
    Phase("meetings", [this] { Meetings(); });
    Phase("tasks", [this] { Tasks(); });
  }

 private:
  template <typename F>
  void Phase(const char* name, F body) {
    const auto start = std::chrono::steady_clock::now();
    Exec(db_, "BEGIN");
    body();
    Exec(db_, "COMMIT");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "crmd_datagen: %-14s %6.1f s\n", name, seconds);
  }

  // Creation time of record i of n, spread evenly over the span with a little jitter; increasing in
  // i so that ids (which start with the time) are too.
  std::int64_t CreatedAt(std::int64_t i, std::int64_t n) {
    const std::int64_t step = kSpanSeconds / std::max<std::int64_t>(n, 1);
    return kEpochEnd - kSpanSeconds + i * step +
           static_cast<std::int64_t>(
               rng_.Below(static_cast<std::uint64_t>(std::max<std::int64_t>(step, 1))));
  }

  // The accounts of an existing data set.
  void LoadAccounts() {
    Statement select(db_, "SELECT id FROM account WHERE deleted = 0 ORDER BY id");
    while (select.Step()) account_ids_.emplace_back(select.Text(0));
    if (account_ids_.empty()) Die("the data set has no accounts");
  }

  std::int64_t CountRows(const std::string& table) {
    Statement count(db_, "SELECT COUNT(*) FROM " + Quote(table));
    count.Step();
    return count.Int(0);
  }

  // createdAt/modifiedAt/createdBy/modifiedBy/assignedUser as the API leaves them: modifiedBy is
  // set only once a record was updated. Returns the row's version_number (1 + its updates).
  std::int64_t Stamps(EntityInsert& insert, std::int64_t created, bool assigned) {
    std::int64_t version = 1;
    const std::string created_at = DateTime(created);
    insert.Text("createdAt", created_at);
    insert.Text("createdById", rng_.Pick(user_ids_));
    if (rng_.Percent(30)) {
      const std::int64_t modified =
          std::min(kEpochEnd, created + rng_.Between(3600, 90LL * 24 * 3600));
      insert.Text("modifiedAt", DateTime(modified));
      insert.Text("modifiedById", rng_.Pick(user_ids_));
      version += rng_.Between(1, 3);
    } else {
      insert.Text("modifiedAt", created_at);
    }
    if (assigned) insert.Text("assignedUserId", rng_.Pick(user_ids_));
    return version;
  }

  void Teams(std::string_view entity, const std::string& id, int percent) {
    if (team_ids_.empty() || !rng_.Percent(percent)) return;
    entity_team_.Text(0, id);
    entity_team_.Text(1, rng_.Pick(team_ids_));
    entity_team_.Text(2, entity);
    entity_team_.Run();
  }

  // Email addresses: the primary in emailAddress, all of them in emailAddressData (the shape
  // RecordWriter writes) and one lookup row each.
  void Emails(EntityInsert& insert, std::string_view entity, const std::string& id,
              const std::vector<std::string>& addresses) {
    if (addresses.empty()) return;
    json::array data;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
      const std::string lower = Lower(addresses[i]);
      data.push_back(json::object{{"emailAddress", addresses[i]},
                                  {"lower", lower},
                                  {"primary", i == 0},
                                  {"optOut", false},
                                  {"invalid", false}});
      email_.Text(0, entity);
      email_.Text(1, id);
      email_.Text(2, lower);
      email_.Int(3, i == 0 ? 1 : 0);
      email_.Run();
    }
    insert.Text("emailAddress", addresses.front());
    insert.Text("emailAddressData", SerializeJson(data));
    insert.Int("emailAddressIsOptedOut", 0);
    insert.Int("emailAddressIsInvalid", 0);
  }

  void Phones(EntityInsert& insert, std::string_view entity, const std::string& id,
              const std::vector<std::pair<std::string, const char*>>& numbers) {
    if (numbers.empty()) return;
    json::array data;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
      data.push_back(json::object{{"phoneNumber", numbers[i].first},
                                  {"type", numbers[i].second},
                                  {"primary", i == 0},
                                  {"optOut", false},
                                  {"invalid", false}});
      phone_.Text(0, entity);
      phone_.Text(1, id);
      phone_.Text(2, Digits(numbers[i].first));
      phone_.Int(3, i == 0 ? 1 : 0);
      phone_.Run();
    }
    insert.Text("phoneNumber", numbers.front().first);
    insert.Text("phoneNumberData", SerializeJson(data));
    insert.Int("phoneNumberIsOptedOut", 0);
    insert.Int("phoneNumberIsInvalid", 0);
  }

  std::string PhoneNumber() {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "+1%03d%03d%04d", static_cast<int>(rng_.Between(201, 989)),
                  static_cast<int>(rng_.Between(200, 999)),
                  static_cast<int>(rng_.Between(0, 9999)));
    return buffer;
  }

  void Address(EntityInsert& insert, const std::string& prefix) {
    const Place& place = rng_.Pick(kPlaces);
    insert.Text(prefix + "Street",
                std::to_string(rng_.Between(1, 9999)) + " " + rng_.Pick(kStreets));
    insert.Text(prefix + "City", place.city);
    if (*place.state != '\0') insert.Text(prefix + "State", place.state);
    insert.Text(prefix + "Country", place.country);
    insert.Text(prefix + "PostalCode", std::to_string(rng_.Between(10000, 99999)));
  }

  void Accounts() {
    EntityInsert insert(db_, metadata_.Entity("Account"));
    const std::int64_t n = counts_.accounts;
    account_ids_.reserve(static_cast<std::size_t>(n));
    account_domains_.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t created = CreatedAt(i, n);
      const std::string id = ids_.Make(created);
      // Account names are unique: the index number keeps the duplicate check meaningful.
      const std::string word = rng_.Pick(kCompanyWords);
      const std::string noun = rng_.Pick(kCompanyNouns);
      const std::string name =
          word + " " + noun + " " + std::to_string(i + 1) + " " + rng_.Pick(kCompanySuffixes);
      const std::string domain = Slug(word + noun) + std::to_string(i + 1) + ".example.com";
      insert.Text("name", name);
      insert.Text("website", "https://www." + domain);
      Emails(insert, "Account", id, {"info@" + domain});
      Phones(insert, "Account", id, {{PhoneNumber(), "Office"}});
      insert.Text("type", rng_.Pick(kAccountTypes));
      insert.Text("industry", rng_.Pick(kIndustries));
      if (rng_.Percent(40)) insert.Text("sicCode", std::to_string(rng_.Between(1000, 9999)));
      Address(insert, "billingAddress");
      if (rng_.Percent(50)) Address(insert, "shippingAddress");
      if (rng_.Percent(30)) insert.Text("description", rng_.Pick(kSentences));
      const std::int64_t version = Stamps(insert, created, true);
      insert.Run(id, version);
      Teams("Account", id, 50);
      account_ids_.push_back(id);
      account_domains_.push_back(domain);
    }
    rows_ += insert.rows();
  }

  void Contacts() {
    EntityInsert insert(db_, metadata_.Entity("Contact"));
    const std::int64_t n = counts_.contacts;
    contact_ids_.reserve(static_cast<std::size_t>(n));
    contact_account_.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) Contact(insert, i, CreatedAt(i, n));
    rows_ += insert.rows();
  }

  // Contact number `i` of the generated set (its email addresses carry i + 1, which keeps them
  // unique), with its lookup rows, primary-account link and team.
  void Contact(EntityInsert& insert, std::int64_t i, std::int64_t created) {
    const std::string id = ids_.Make(created);
    const std::string first = rng_.Pick(kFirstNames);
    const std::string last = rng_.Pick(kLastNames);
    if (rng_.Percent(70)) insert.Text("salutationName", rng_.Pick(kSalutations));
    insert.Text("firstName", first);
    insert.Text("lastName", last);
    std::string title;
    if (rng_.Percent(60)) {
      title = rng_.Pick(kTitles);
      insert.Text("title", title);
    }
    if (rng_.Percent(20)) insert.Text("description", rng_.Pick(kSentences));
    // 90% have an account; their work address is at its domain.
    std::int64_t account = -1;
    if (rng_.Percent(90)) account = static_cast<std::int64_t>(rng_.Below(account_ids_.size()));
    std::vector<std::string> emails;
    if (rng_.Percent(92)) {
      const std::string domain =
          account >= 0 ? account_domains_[static_cast<std::size_t>(account)] : "mail.example.org";
      // The number keeps every address unique, as the duplicate check on create expects.
      emails.push_back(first + "." + last + std::to_string(i + 1) + "@" + domain);
      if (rng_.Percent(20)) {
        emails.push_back(Lower(first) + std::to_string(i + 1) + "@home.example.net");
      }
    }
    Emails(insert, "Contact", id, emails);
    std::vector<std::pair<std::string, const char*>> phones;
    if (rng_.Percent(80)) {
      phones.emplace_back(PhoneNumber(), rng_.Percent(60) ? "Mobile" : "Office");
      // Numbers of one record are unique (the lookup table's key); a clash is just skipped.
      if (std::string home = PhoneNumber(); rng_.Percent(25) && home != phones.front().first) {
        phones.emplace_back(std::move(home), "Home");
      }
    }
    Phones(insert, "Contact", id, phones);
    if (rng_.Percent(5)) insert.Int("doNotCall", 1);
    if (rng_.Percent(70)) Address(insert, "address");
    if (account >= 0) insert.Text("accountId", account_ids_[static_cast<std::size_t>(account)]);
    const std::int64_t version = Stamps(insert, created, rng_.Percent(90));
    insert.Run(id, version);
    // A contact's primary account is also in its accounts list, with the title as the role
    // (business_rules.cpp, ContactAccountAfterSave).
    if (account >= 0) {
      account_contact_.Text(0, account_ids_[static_cast<std::size_t>(account)]);
      account_contact_.Text(1, id);
      if (!title.empty()) account_contact_.Text(2, title);
      account_contact_.Int(3, 0);
      account_contact_.Run();
    }
    Teams("Contact", id, 50);
    contact_ids_.push_back(id);
    contact_account_.push_back(static_cast<std::int32_t>(account));
  }

  // A contact as the benchmark's create and massCreate requests send it (bench/wrk/common.lua,
  // contact_body): one of 16 first and 16 last names with a unique suffix, an address at
  // bench.example.com, a random phone number, a random existing account with the title as its
  // role, no team; created by the API user at `created`. Their index keys fall where the API's
  // do, so the limit and crmd insert into the same places of the same B-trees.
  void CreatedContact(EntityInsert& insert, std::int64_t i, std::int64_t created) {
    constexpr const char* kBenchTitles[] = {"CEO",           "CTO",     "Buyer",     "Engineer",
                                            "Sales Manager", "Analyst", "Consultant"};
    constexpr const char* kBenchCities[] = {"Boston", "Chicago", "Denver", "Seattle",
                                            "Austin", "Toronto", "Berlin", "Paris"};
    const std::string id = ids_.Make(created);
    const std::string first = kFirstNames[rng_.Below(16)];
    const std::string last =
        std::string(kLastNames[rng_.Below(16)]) + "-limit" + std::to_string(i + 1);
    const std::string title = kBenchTitles[rng_.Below(std::size(kBenchTitles))];
    insert.Text("salutationName", "Mr.");
    insert.Text("firstName", first);
    insert.Text("lastName", last);
    insert.Text("title", title);
    Emails(insert, "Contact", id, {Lower(first) + "." + Lower(last) + "@bench.example.com"});
    char phone[32];
    std::snprintf(phone, sizeof phone, "+1 555 %03d %04d", static_cast<int>(rng_.Between(200, 999)),
                  static_cast<int>(rng_.Between(0, 9999)));
    Phones(insert, "Contact", id, {{phone, "Mobile"}});
    insert.Text("addressStreet", std::to_string(rng_.Between(1, 9999)) + " Main St");
    insert.Text("addressCity", kBenchCities[rng_.Below(std::size(kBenchCities))]);
    insert.Text("addressPostalCode", std::to_string(rng_.Between(10000, 99999)));
    insert.Text("addressCountry", "United States");
    insert.Text("description", "Created by the crmd benchmark");
    const std::string& account = account_ids_[rng_.Below(account_ids_.size())];
    insert.Text("accountId", account);
    const std::string now = DateTime(created);
    insert.Text("createdAt", now);
    insert.Text("modifiedAt", now);
    insert.Text("createdById", creator_id_);
    insert.Run(id, 1);
    account_contact_.Text(0, account);
    account_contact_.Text(1, id);
    account_contact_.Text(2, title);
    account_contact_.Int(3, 0);
    account_contact_.Run();
  }

  void Leads() {
    EntityInsert insert(db_, metadata_.Entity("Lead"));
    const std::int64_t n = counts_.leads;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t created = CreatedAt(i, n);
      const std::string id = ids_.Make(created);
      const std::string first = rng_.Pick(kFirstNames);
      const std::string last = rng_.Pick(kLastNames);
      if (rng_.Percent(60)) insert.Text("salutationName", rng_.Pick(kSalutations));
      insert.Text("firstName", first);
      insert.Text("lastName", last);
      if (rng_.Percent(50)) insert.Text("title", rng_.Pick(kTitles));
      insert.Text("status", rng_.Pick(kLeadStatuses));
      if (rng_.Percent(80)) insert.Text("source", rng_.Pick(kSources));
      if (rng_.Percent(60)) insert.Text("industry", rng_.Pick(kIndustries));
      if (rng_.Percent(50)) {
        insert.Real("opportunityAmount", static_cast<double>(rng_.Between(5, 500) * 100));
        insert.Text("opportunityAmountCurrency", "USD");
      }
      const std::string company = std::string(rng_.Pick(kCompanyWords)) + " " +
                                  rng_.Pick(kCompanyNouns) + " L" + std::to_string(i + 1);
      const std::string domain = Slug(company) + ".example.com";
      insert.Text("accountName", company);
      if (rng_.Percent(50)) insert.Text("website", "https://" + domain);
      if (rng_.Percent(60)) Address(insert, "address");
      std::vector<std::string> emails;
      if (rng_.Percent(90)) emails.push_back(first + "." + last + "@" + domain);
      Emails(insert, "Lead", id, emails);
      std::vector<std::pair<std::string, const char*>> phones;
      if (rng_.Percent(70)) phones.emplace_back(PhoneNumber(), "Mobile");
      Phones(insert, "Lead", id, phones);
      if (rng_.Percent(30)) insert.Text("description", rng_.Pick(kSentences));
      const std::int64_t version = Stamps(insert, created, rng_.Percent(80));
      insert.Run(id, version);
      Teams("Lead", id, 30);
    }
    rows_ += insert.rows();
  }

  // A random contact of `account`, found by probing (contacts are spread evenly over accounts).
  std::int64_t ContactOf(std::int64_t account) {
    for (int attempt = 0; attempt < 64; ++attempt) {
      const auto c = static_cast<std::size_t>(rng_.Below(contact_ids_.size()));
      if (contact_account_[c] == account) return static_cast<std::int64_t>(c);
    }
    return static_cast<std::int64_t>(rng_.Below(contact_ids_.size()));
  }

  void Opportunities() {
    EntityInsert insert(db_, metadata_.Entity("Opportunity"));
    const std::int64_t n = counts_.opportunities;
    // Contacts per account, to attach each opportunity to people of its own account.
    std::vector<std::vector<std::int32_t>> contacts_of(account_ids_.size());
    for (std::size_t c = 0; c < contact_account_.size(); ++c) {
      if (contact_account_[c] >= 0)
        contacts_of[static_cast<std::size_t>(contact_account_[c])].push_back(
            static_cast<std::int32_t>(c));
    }
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t created = CreatedAt(i, n);
      const std::string id = ids_.Make(created);
      const auto account = static_cast<std::size_t>(rng_.Below(account_ids_.size()));
      const Stage& stage = rng_.Pick(kStages);
      insert.Text("name", std::string(rng_.Pick(kProducts)) + " " + std::to_string(i + 1));
      insert.Real("amount", static_cast<double>(rng_.Between(10, 2000) * 100));
      insert.Text("amountCurrency", "USD");
      insert.Text("accountId", account_ids_[account]);
      insert.Text("stage", stage.name);
      insert.Text("lastStage", stage.name);
      insert.Int("probability", stage.probability);
      if (rng_.Percent(70)) insert.Text("leadSource", rng_.Pick(kSources));
      insert.Text("closeDate", Date(created + rng_.Between(14, 180) * 24 * 3600));
      if (rng_.Percent(30)) insert.Text("description", rng_.Pick(kSentences));
      const auto& people = contacts_of[account];
      if (!people.empty()) {
        // The primary contact (the decision maker) and up to two more people of the account.
        const auto at = static_cast<std::size_t>(rng_.Below(people.size()));
        insert.Text("contactId", contact_ids_[static_cast<std::size_t>(people[at])]);
        const std::size_t linked = std::min<std::size_t>(people.size(), 1 + rng_.Below(3));
        for (std::size_t k = 0; k < linked; ++k) {
          const auto c = static_cast<std::size_t>(people[(at + k) % people.size()]);
          contact_opportunity_.Text(0, contact_ids_[c]);
          contact_opportunity_.Text(1, id);
          contact_opportunity_.Text(2, k == 0 ? "Decision Maker" : "Influencer");
          contact_opportunity_.Run();
        }
      }
      const std::int64_t version = Stamps(insert, created, true);
      insert.Run(id, version);
      Teams("Opportunity", id, 50);
    }
    rows_ += insert.rows();
  }

  void Meetings() {
    EntityInsert insert(db_, metadata_.Entity("Meeting"));
    const std::int64_t n = counts_.meetings;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t created = CreatedAt(i, n);
      const std::string id = ids_.Make(created);
      const auto account = static_cast<std::size_t>(rng_.Below(account_ids_.size()));
      // On the hour or half hour, up to 60 days after it was planned; 30 to 120 minutes long.
      const std::int64_t start = (created + rng_.Between(3600, 60LL * 24 * 3600)) / 1800 * 1800;
      const std::int64_t end = start + rng_.Between(1, 4) * 1800;
      insert.Text("name", std::string(rng_.Pick(kMeetingTopics)) + " " + std::to_string(i + 1));
      insert.Text("status", start > kEpochEnd ? "Planned" : rng_.Pick(kMeetingStatuses));
      insert.Text("dateStart", DateTime(start));
      insert.Text("dateEnd", DateTime(end));
      if (rng_.Percent(30)) insert.Text("description", rng_.Pick(kSentences));
      insert.Text("parentId", account_ids_[account]);
      insert.Text("parentType", "Account");
      insert.Text("accountId", account_ids_[account]);
      const std::int64_t version = Stamps(insert, created, true);
      insert.Run(id, version);
      // Attendees: two or three contacts of the account (or anyone) and the assigned user.
      const std::int64_t attendees = rng_.Between(2, 3);
      std::vector<std::string_view> chosen;
      for (std::int64_t k = 0; k < attendees; ++k) {
        const std::string& contact =
            contact_ids_[static_cast<std::size_t>(ContactOf(static_cast<std::int64_t>(account)))];
        if (std::find(chosen.begin(), chosen.end(), contact) != chosen.end()) continue;
        chosen.push_back(contact);
        contact_meeting_.Text(0, contact);
        contact_meeting_.Text(1, id);
        contact_meeting_.Text(2, rng_.Pick(kAcceptance));
        contact_meeting_.Run();
      }
      meeting_user_.Text(0, id);
      meeting_user_.Text(1, rng_.Pick(user_ids_));
      meeting_user_.Text(2, "Accepted");
      meeting_user_.Run();
      Teams("Meeting", id, 30);
    }
    rows_ += insert.rows();
  }

  void Tasks() {
    EntityInsert insert(db_, metadata_.Entity("Task"));
    const std::int64_t n = counts_.tasks;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t created = CreatedAt(i, n);
      const std::string id = ids_.Make(created);
      const char* status = rng_.Pick(kTaskStatuses);
      insert.Text("name", std::string(rng_.Pick(kTaskTopics)) + " " + std::to_string(i + 1));
      insert.Text("status", status);
      insert.Text("priority", rng_.Pick(kPriorities));
      const std::int64_t due = created + rng_.Between(1, 30) * 24 * 3600;
      if (rng_.Percent(40)) insert.Text("dateStart", DateTime(created + 3600));
      insert.Text("dateEnd", DateTime(due));
      if (std::string_view(status) == "Completed") {
        insert.Text("dateCompleted", DateTime(std::min(kEpochEnd, due - 3600)));
      }
      if (rng_.Percent(20)) insert.Text("description", rng_.Pick(kSentences));
      // Parent: a contact (account and contact follow from it) or an account.
      if (rng_.Percent(60)) {
        const auto c = static_cast<std::size_t>(rng_.Below(contact_ids_.size()));
        insert.Text("parentId", contact_ids_[c]);
        insert.Text("parentType", "Contact");
        insert.Text("contactId", contact_ids_[c]);
        if (contact_account_[c] >= 0) {
          insert.Text("accountId", account_ids_[static_cast<std::size_t>(contact_account_[c])]);
        }
      } else {
        const auto a = static_cast<std::size_t>(rng_.Below(account_ids_.size()));
        insert.Text("parentId", account_ids_[a]);
        insert.Text("parentType", "Account");
        insert.Text("accountId", account_ids_[a]);
      }
      const std::int64_t version = Stamps(insert, created, true);
      insert.Run(id, version);
      Teams("Task", id, 30);
    }
    rows_ += insert.rows();
  }

  const metadata::Metadata& metadata_;
  sqlite3* db_;
  Rng rng_;
  IdSource ids_;
  Counts counts_;
  std::vector<std::string> user_ids_;
  std::vector<std::string> team_ids_;
  std::vector<std::string> account_ids_;
  std::vector<std::string> account_domains_;
  std::vector<std::string> contact_ids_;
  std::vector<std::int32_t> contact_account_;  // index into account_ids_, -1 for none
  std::uint64_t rows_ = 0;
  std::string creator_id_;  // who creates the insert limit's contacts

  Insert email_;
  Insert phone_;
  Insert entity_team_;
  Insert account_contact_;
  Insert contact_opportunity_;
  Insert contact_meeting_;
  Insert meeting_user_;
};

// --- Set-up through the server's own code ----------------------------------------------------

struct Principals {
  std::vector<std::string> user_ids;
  std::vector<std::string> team_ids;
  std::string api_key;
};

// Schema, users (through service::CreateUser, so they are exactly what `crmd user create` makes),
// the benchmark's API user, and teams. Runs through SqliteDatabase like `crmd migrate` does.
Principals SetUp(const Options& options, const metadata::Metadata& metadata,
                 const std::string& path) {
  if (Status s = auth::InitCrypto(); !s.ok()) Die(s.message());
  store::SqliteOptions sqlite;
  sqlite.path = path;
  sqlite.synchronous_full = false;
  auto db = store::SqliteDatabase::Open(sqlite);
  if (!db.ok()) Die(db.status().message());
  if (Status s = (*db)->WriteAndWait(
          [&metadata](store::Connection& conn) { return store::MigrateSchema(conn, metadata); });
      !s.ok()) {
    Die("schema: " + s.message());
  }
  // A fixed clock keeps users' createdAt deterministic.
  const FakeClock clock(TimePoint(std::chrono::seconds(kEpochEnd - kSpanSeconds - 86400)));
  Principals out;
  auto create = [&](const service::NewUser& user) {
    auto created = service::CreateUser(**db, metadata, clock, user);
    if (!created.ok()) Die("user " + user.user_name + ": " + created.status().message());
    return *created;
  };
  create(service::NewUser{"admin", "bench-admin-password", "admin", "", "Admin"});
  for (int i = 1; i <= options.users; ++i) {
    const std::string name =
        std::string(kFirstNames[static_cast<std::size_t>(i) % std::size(kFirstNames)]);
    out.user_ids.push_back(
        create(service::NewUser{"user" + std::to_string(i), "bench-password-" + std::to_string(i),
                                "regular", "", name + " User" + std::to_string(i)})
            .id);
  }
  service::NewUser api;
  api.user_name = "bench-api";
  api.type = "api";
  api.auth_method = "ApiKey";
  out.api_key = create(api).api_key;
  (*db)->Shutdown();
  db->reset();
  return out;
}

void WriteLines(const std::filesystem::path& path, const std::vector<std::string>& lines,
                std::int64_t max, Rng& rng) {
  std::ofstream out(path);
  if (lines.size() <= static_cast<std::size_t>(max)) {
    for (const auto& line : lines) out << line << '\n';
  } else {
    // A uniform sample, so that requests spread over the whole table (and its pages).
    for (std::int64_t i = 0; i < max; ++i) out << lines[rng.Below(lines.size())] << '\n';
  }
  if (!out) Die("cannot write " + path.string());
}

std::vector<std::string> SelectIds(sqlite3* db, const std::string& sql) {
  std::vector<std::string> ids;
  Statement select(db, sql);
  while (select.Step()) ids.emplace_back(select.Text(0));
  return ids;
}

// Opens the existing data set as crmd's writer does: WAL, every commit flushed to disk, crmd's page
// cache (or --cache-mib) and, with --mmap-mib, reads through a memory map.
sqlite3* OpenForLimit(const Options& options) {
  const std::string path = options.data_dir + "/crmd.db";
  if (!std::filesystem::exists(path)) Die(path + " does not exist; generate a data set first");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Die("cannot open " + path);
  }
  const std::int64_t cache_kib = options.cache_mib > 0 ? std::int64_t{options.cache_mib} * 1024
                                                       : store::SqliteOptions{}.cache_size_kib;
  Exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY; "
       "PRAGMA cache_size=-" +
           std::to_string(cache_kib) +
           "; PRAGMA mmap_size=" + std::to_string(std::int64_t{options.mmap_mib} << 20) + ";");
  return db;
}

// The API user the benchmark's requests come from: the limits write as that user.
std::string BenchApiUser(sqlite3* db) {
  const std::vector<std::string> api_users =
      SelectIds(db, "SELECT id FROM \"user\" WHERE type = 'api' AND deleted = 0 ORDER BY id");
  if (api_users.empty()) Die("the data set has no API user");
  return api_users.front();
}

// Closes the data set and prints a limit's result line for bench/run.sh: `rows` rows in
// `seconds`, with `extra` figures after the row count.
void FinishLimit(sqlite3* db, const Options& options, std::int64_t rows, double seconds,
                 json::object extra) {
  if (sqlite3_close(db) != SQLITE_OK) Die(std::string("close: ") + sqlite3_errmsg(db));
  json::object result{{"rows", rows}};
  for (auto& [key, value] : extra) result[key] = std::move(value);
  result["rowsPerCommit"] = options.rows_per_commit;
  result["savepointPerRow"] = options.savepoint_per_row;
  result["seconds"] = seconds;
  result["rowsPerSecond"] = static_cast<double>(rows) / seconds;
  std::cout << SerializeJson(result) << std::endl;
}

// The insert limit that bench/run.sh reports crmd's writes against: the same contacts, schema,
// indexes, lookup and link rows, with crmd's durability and page cache (WAL, every commit flushed
// to disk), and nothing else (no HTTP, validation, duplicate check, read-back or change event).
int InsertLimit(const Options& options) {
  auto metadata = metadata::Metadata::LoadDefault("");
  if (!metadata.ok()) Die(metadata.status().message());
  sqlite3* db = OpenForLimit(options);
  double seconds = 0;
  {
    Generator generator(
        options, **metadata, db,
        SelectIds(db, "SELECT id FROM \"user\" WHERE type = 'regular' AND deleted = 0"),
        SelectIds(db, "SELECT id FROM team WHERE deleted = 0"));
    seconds = generator.AppendContacts(options.insert_limit, options.rows_per_commit,
                                       options.savepoint_per_row, BenchApiUser(db));
  }
  FinishLimit(db, options, options.insert_limit, seconds, {});
  return 0;
}

// The update limit that bench/run.sh reports crmd's updates against: random contacts of the data
// set changed as bench/wrk/update.lua changes them through the API (title, description), with what
// crmd's writer sets beside them (modified_at, version_number, modified_by_id when another user
// modified the record last, the title as role in the primary account's account_contact row), with
// crmd's durability and page cache, and nothing else (no HTTP, validation, read-back or change
// event).
int UpdateLimit(const Options& options) {
  sqlite3* db = OpenForLimit(options);
  double seconds = 0;
  std::int64_t distinct = 0;  // contacts updated at least once
  {
    const std::vector<std::string> contacts =
        SelectIds(db, "SELECT id FROM contact WHERE deleted = 0");
    if (contacts.empty()) Die("the data set has no contacts");
    const std::string user = BenchApiUser(db);
    Rng rng(options.seed);
    // crmd reads the stored record before it writes; this read is of the leaf the update rewrites.
    Statement stored(db, "SELECT modified_by_id, account_id FROM contact WHERE id = ?");
    Statement update(db,
                     "UPDATE contact SET title = ?, description = ?, modified_at = ?, "
                     "version_number = version_number + 1 WHERE id = ?");
    Statement update_by(db,
                        "UPDATE contact SET title = ?, description = ?, modified_at = ?, "
                        "modified_by_id = ?, version_number = version_number + 1 WHERE id = ?");
    // The title is the contact's role in its primary account, which crmd keeps in account_contact.
    Statement role(db,
                   "UPDATE account_contact SET role = ? WHERE contact_id = ? AND account_id = ?");
    const std::string tag = std::to_string(options.seed);
    std::vector<std::size_t> picked;
    picked.reserve(static_cast<std::size_t>(options.update_limit));
    const auto update_one = [&](std::int64_t i) {
      picked.push_back(rng.Below(contacts.size()));
      const std::string& id = contacts[picked.back()];
      stored.Bind(1, id);
      if (!stored.Step()) Die("contact " + id + " is gone");
      const bool same_user = stored.Text(0) == user;
      const std::string account(stored.Text(1));
      stored.Reset();
      const char* title = rng.Pick(kTitles);
      Statement& statement = same_user ? update : update_by;
      statement.Bind(1, title);
      statement.Bind(2, "Updated by the crmd update limit " + tag + "-" + std::to_string(i));
      statement.Bind(3, FormatDateTime(std::chrono::system_clock::now()));
      if (!same_user) statement.Bind(4, user);
      statement.Bind(same_user ? 4 : 5, id);
      statement.Run();
      if (!account.empty()) {
        role.Bind(1, title);
        role.Bind(2, id);
        role.Bind(3, account);
        role.Run();
      }
    };
    seconds = TimeGroupedWrites(db, options.update_limit, options.rows_per_commit,
                                options.savepoint_per_row, update_one);
    std::sort(picked.begin(), picked.end());
    distinct = std::unique(picked.begin(), picked.end()) - picked.begin();
  }
  FinishLimit(db, options, options.update_limit, seconds, {{"contacts", distinct}});
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"crmd_datagen: generate a realistic CRM data set into a crmd data directory"};
  Options options;
  app.add_option("--data", options.data_dir, "Data directory (crmd.db is created inside)")
      ->required();
  app.add_option("--lists", options.lists_dir,
                 "Directory for the wrk id lists and manifest (default: DATA/bench)");
  app.add_option("--contacts", options.contacts, "Number of contacts (other entities scale)")
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{5000000}))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Random seed")->capture_default_str();
  app.add_option("--max-list-ids", options.max_list_ids, "Most ids written to each id list")
      ->capture_default_str();
  app.add_option("--users", options.users, "Regular users records are assigned to")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--teams", options.teams, "Teams")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app.add_option("--insert-limit", options.insert_limit,
                 "Instead of generating: append this many contacts to the data set in --data with "
                 "crmd's durability, and print the rate (the benchmark's insert limit)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10000000}));
  app.add_option("--update-limit", options.update_limit,
                 "Instead of generating: update this many random contacts of the data set in "
                 "--data as the update benchmark does, with crmd's durability, and print the rate "
                 "(the benchmark's update limit)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10000000}));
  app.add_option("--rows-per-commit", options.rows_per_commit,
                 "With --insert-limit or --update-limit: contacts per transaction")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}))
      ->capture_default_str();
  app.add_flag("--savepoint-per-row", options.savepoint_per_row,
               "With --insert-limit or --update-limit: each contact in its own savepoint, as "
               "crmd's writer runs each job of a group");
  app.add_option("--cache-mib", options.cache_mib,
                 "With --insert-limit or --update-limit: SQLite page cache (default: crmd's), to "
                 "see what a larger one would give")
      ->check(CLI::Range(1, 65536));
  app.add_option("--mmap-mib", options.mmap_mib,
                 "With --insert-limit or --update-limit: read the database through a memory map "
                 "of this size, as crmd serve --mmap-mib")
      ->check(CLI::Range(0, 65536));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (options.insert_limit > 0) return InsertLimit(options);
  if (options.update_limit > 0) return UpdateLimit(options);
  if (options.lists_dir.empty()) options.lists_dir = options.data_dir + "/bench";

  const auto start = std::chrono::steady_clock::now();
  std::filesystem::create_directories(options.data_dir);
  std::filesystem::create_directories(options.lists_dir);
  const std::string path = options.data_dir + "/crmd.db";
  if (std::filesystem::exists(path)) Die(path + " exists; generate into an empty directory");

  auto metadata = metadata::Metadata::LoadDefault("");
  if (!metadata.ok()) Die(metadata.status().message());
  Principals principals = SetUp(options, **metadata, path);

  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Die("cannot open " + path);
  }
  // Bulk-load settings: no journal, no fsync, a large cache. The file goes back to WAL at the end.
  Exec(db,
       "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; "
       "PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;");

  // Teams, written like any entity.
  {
    Rng rng(options.seed ^ 0x7ea3ULL);
    IdSource ids(rng);
    EntityInsert team(db, (*metadata)->Entity("Team"));
    constexpr const char* kTeamNames[] = {"Sales", "Support", "Marketing", "Management",
                                          "EMEA",  "APAC",    "Americas",  "Partners"};
    Exec(db, "BEGIN");
    for (int i = 0; i < options.teams; ++i) {
      const std::int64_t created = kEpochEnd - kSpanSeconds - 3600 + i;
      const std::string id = ids.Make(created);
      team.Text("name", i < static_cast<int>(std::size(kTeamNames))
                            ? std::string(kTeamNames[i])
                            : "Team " + std::to_string(i + 1));
      team.Text("createdAt", DateTime(created));
      team.Text("modifiedAt", DateTime(created));
      team.Run(id);
      principals.team_ids.push_back(id);
    }
    Exec(db, "COMMIT");
  }

  Counts counts;
  std::uint64_t entity_rows = 0;
  std::vector<std::string> contact_ids;
  std::vector<std::string> account_ids;
  {
    // Scoped so that the generator's prepared statements are finalized before the handle closes;
    // sqlite3_close refuses (and leaks the connection) while any statement is alive.
    Generator generator(options, **metadata, db, principals.user_ids, principals.team_ids);
    generator.Run();
    counts = generator.counts();
    entity_rows = generator.rows();
    contact_ids = generator.contact_ids();
    account_ids = generator.account_ids();
  }
  Exec(db, "PRAGMA locking_mode=NORMAL; PRAGMA journal_mode=WAL;");
  if (sqlite3_close(db) != SQLITE_OK) Die(std::string("close: ") + sqlite3_errmsg(db));

  Rng sample(options.seed ^ 0x5a3b1eULL);
  const std::filesystem::path lists(options.lists_dir);
  WriteLines(lists / "contact_ids.txt", contact_ids, options.max_list_ids, sample);
  WriteLines(lists / "account_ids.txt", account_ids, options.max_list_ids, sample);
  std::vector<std::string> first_names(std::begin(kFirstNames), std::end(kFirstNames));
  WriteLines(lists / "first_names.txt", first_names, options.max_list_ids, sample);
  {
    std::ofstream key(lists / "api_key.txt");
    key << principals.api_key << '\n';
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const json::object manifest{
      {"contacts", counts.contacts}, {"accounts", counts.accounts},
      {"leads", counts.leads},       {"opportunities", counts.opportunities},
      {"meetings", counts.meetings}, {"tasks", counts.tasks},
      {"users", options.users},      {"teams", options.teams},
      {"seed", options.seed},        {"entityRows", entity_rows},
      {"seconds", seconds}};
  {
    std::ofstream out(lists / "manifest.json");
    out << SerializeJson(manifest) << '\n';
  }
  std::cout << SerializeJson(manifest) << std::endl;
  return 0;
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) { return crm::bench::Main(argc, argv); }
