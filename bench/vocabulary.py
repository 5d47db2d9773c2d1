"""Word lists the generated benchmark records are made of (fixed, so every run looks alike)."""

from __future__ import annotations

from typing import Final, NamedTuple


class City(NamedTuple):
    name: str
    region: str
    area_code: str


CITIES: Final[tuple[City, ...]] = (
    City("Springfield", "IL", "217"), City("Champaign", "IL", "217"),
    City("Peoria", "IL", "309"), City("Bloomington", "IL", "309"),
    City("Chicago", "IL", "312"), City("Naperville", "IL", "630"),
    City("Rockford", "IL", "815"), City("Madison", "WI", "608"),
    City("Milwaukee", "WI", "414"), City("Green Bay", "WI", "920"),
    City("Des Moines", "IA", "515"), City("Cedar Rapids", "IA", "319"),
    City("Omaha", "NE", "402"), City("Lincoln", "NE", "402"),
    City("Kansas City", "MO", "816"), City("St. Louis", "MO", "314"),
    City("Indianapolis", "IN", "317"), City("Fort Wayne", "IN", "260"),
    City("Columbus", "OH", "614"), City("Cleveland", "OH", "216"),
    City("Detroit", "MI", "313"), City("Grand Rapids", "MI", "616"),
    City("Minneapolis", "MN", "612"), City("Louisville", "KY", "502"),
    City("Nashville", "TN", "615"), City("Memphis", "TN", "901"),
    City("Austin", "TX", "512"), City("Dallas", "TX", "214"),
    City("Houston", "TX", "713"), City("Denver", "CO", "303"),
    City("Boulder", "CO", "303"), City("Colorado Springs", "CO", "719"),
    City("Boise", "ID", "208"), City("Portland", "OR", "503"),
    City("Seattle", "WA", "206"), City("Spokane", "WA", "509"),
    City("Sacramento", "CA", "916"), City("Phoenix", "AZ", "602"),
    City("Tucson", "AZ", "520"), City("Albuquerque", "NM", "505"),
    City("Salt Lake City", "UT", "801"), City("Atlanta", "GA", "404"),
    City("Charlotte", "NC", "704"), City("Raleigh", "NC", "919"),
    City("Richmond", "VA", "804"), City("Pittsburgh", "PA", "412"),
    City("Buffalo", "NY", "716"), City("Hartford", "CT", "860"),
)

FIRST_NAMES: Final[tuple[str, ...]] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty",
    "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul",
    "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda",
    "Brian", "Dorothy", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie",
    "Jason", "Rebecca", "Edward", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob",
    "Kathleen", "Gary", "Amy", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna",
    "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Emma", "Scott", "Nicole", "Brandon",
    "Helen", "Benjamin", "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Alexander",
    "Debra", "Frank", "Rachel", "Patrick", "Carolyn", "Raymond", "Janet", "Jack", "Catherine",
    "Dennis", "Maria", "Jerry", "Heather", "Tyler", "Diane", "Aaron", "Ruth", "Jose", "Julie",
    "Adam", "Olivia", "Nathan", "Joyce", "Henry", "Virginia", "Zachary", "Victoria", "Wei",
    "Priya", "Mohammed", "Fatima", "Hiroshi", "Yuki", "Carlos", "Lucia", "Dmitri", "Ingrid",
    "Kwame", "Amara", "Sven", "Astrid", "Rajesh", "Mei", "Tomasz", "Zofia", "Liam", "Noor",
)

LAST_NAMES: Final[tuple[str, ...]] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
    "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
    "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Okafor", "Kowalski", "Nakamura", "Lindqvist", "Haddad", "Schneider", "Van der Berg",
    "O'Brien", "McAllister", "Fitzgerald", "Novak", "Rossi", "Müller", "Dubois", "Iyer",
    "Chen", "Wang", "Zhang", "Singh", "Kaur", "Mensah", "Abara", "Petrov", "Ivanova",
    "Johansson", "Berg", "Larsen", "Jansen", "De Vries", "Bakker", "Visser", "Hendricks",
)

TRADES: Final[tuple[str, ...]] = (
    "Plumbing", "Heating & Cooling", "Roofing", "Landscaping", "Electric", "Dental",
    "Pest Control", "Cleaning Services", "Auto Repair", "Pool & Spa", "Solar", "Windows & Doors",
    "Flooring", "Painting", "Construction", "HVAC", "Garage Doors", "Tree Service", "Moving",
    "Property Management", "Veterinary Clinic", "Bakery", "Catering", "Printing", "Insurance",
    "Accounting", "Law Office", "Physical Therapy", "Fitness", "Hair Studio", "Florist",
)

PLACE_WORDS: Final[tuple[str, ...]] = (
    "Riverside", "Lakeview", "Prairie", "Summit", "Oak Hill", "Maple", "Cedar", "Pioneer",
    "Heartland", "Northside", "Southgate", "Eastwood", "Westfield", "Blue Ridge", "Golden Gate",
    "Evergreen", "Sunrise", "Red Rock", "Silver Lake", "Twin Oaks", "Harbor", "Canyon",
)

COMPANY_SUFFIXES: Final[tuple[str, ...]] = (
    "LLC", "Inc.", "Co.", "& Sons", "Group", "Partners", "Services", "Corp.", "Ltd.", "Bros.",
)

BRANCH_WORDS: Final[tuple[str, ...]] = (
    "North branch", "South branch", "Downtown site", "Warehouse", "Head office", "East yard",
    "West depot", "Service centre", "Annex", "Unit 2",
)

STREET_NAMES: Final[tuple[str, ...]] = (
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Walnut", "Lincoln", "Jackson", "Church", "Mill", "Spring", "Ridge", "Sunset", "Highland",
    "Meadow", "River", "Forest", "Prairie", "Willow", "Cherry", "Chestnut", "Jefferson",
)

STREET_KINDS: Final[tuple[str, ...]] = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way")

MAIL_PROVIDERS: Final[tuple[str, ...]] = (
    "gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "comcast.net",
)

JOB_TITLES: Final[tuple[str, ...]] = (
    "Owner", "Office manager", "Facilities manager", "Bookkeeper", "Property manager",
    "Operations director", "Purchasing", "Site supervisor", "Homeowner", "Tenant", "",
)

FORMS_OF_ADDRESS: Final[tuple[str, ...]] = ("", "", "", "", "Mr.", "Ms.", "Mrs.", "Dr.")

NOTES: Final[tuple[str, ...]] = (
    "", "", "", "Prefers a call in the morning.", "Gate code 4471.", "Dog on premises.",
    "Annual maintenance contract.", "Referred by a neighbour.", "Pays by invoice, 30 days.",
)

# What a pool, pest or lawn service company quotes for: the start of opportunity and lead titles.
SERVICES: Final[tuple[str, ...]] = (
    "Weekly pool service", "Pool opening", "Pool closing", "Pump replacement", "Heater repair",
    "Filter cleaning", "Salt system install", "Leak detection", "Liner replacement",
    "Safety cover", "Pest control plan", "Termite treatment", "Mosquito treatment",
    "Lawn care plan", "Aeration and seeding", "Gutter cleaning", "Window cleaning",
    "Spring clean-up", "Irrigation repair", "Tree trimming",
)

LEAD_SOURCES: Final[tuple[str, ...]] = ("phone", "website", "referral", "")

RECORD_TAGS: Final[tuple[str, ...]] = ("Quote", "Sales Followup", "Schedule", "Repeat customer",
                                       "Commercial", "Priority")
