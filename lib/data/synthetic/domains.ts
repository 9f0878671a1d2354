// Value domains: the pools argument values are drawn from. Every domain is split, per
// seed, into train values and held-out values, so that the test split (seen templates,
// unseen values) never repeats a value the model was trained on, anywhere in train.

import { stream, shuffled } from '../../util/prng.js';

export type StringDomain = { kind: 'string'; values: readonly string[] };
/** Integers lo..hi in steps of `step`. */
export type IntDomain = { kind: 'integer'; lo: number; hi: number; step?: number };
/** Decimal numbers lo..hi in steps of `step` (values rounded to the step's decimals). */
export type NumDomain = { kind: 'number'; lo: number; hi: number; step: number };
export type Domain = StringDomain | IntDomain | NumDomain;

const s = (values: string[]): StringDomain => ({ kind: 'string', values });

export const DOMAINS = {
  city: s(['Lyon', 'Paris', 'Berlin', 'Madrid', 'Rome', 'Oslo', 'Vienna', 'Prague', 'Lisbon', 'Dublin',
    'Tokyo', 'Osaka', 'Seoul', 'Cairo', 'Nairobi', 'Lima', 'Quito', 'Denver', 'Austin', 'Boston',
    'Chicago', 'Seattle', 'Toronto', 'Sydney', 'Perth', 'Delhi', 'Mumbai', 'Dubai', 'Athens', 'Warsaw',
    'Zurich', 'Geneva', 'Milan', 'Naples', 'Porto', 'Seville', 'Hamburg', 'Munich', 'Bergen', 'Helsinki']),
  person: s(['Alice', 'Bob', 'Carol', 'David', 'Emma', 'Frank', 'Grace', 'Henry', 'Irene', 'Jack',
    'Karen', 'Liam', 'Maria', 'Noah', 'Olivia', 'Peter', 'Quinn', 'Rosa', 'Sam', 'Tina',
    'Uma', 'Victor', 'Wendy', 'Xavier', 'Yara', 'Zoe', 'Omar', 'Priya', 'Kenji', 'Lucia']),
  email: s(['alice@example.com', 'bob.lee@mail.net', 'carol99@inbox.org', 'dev.team@acme.io', 'emma.k@example.org',
    'frank@shop.com', 'grace.h@uni.edu', 'henry.t@corp.com', 'irene@studio.art', 'jack.r@mail.net',
    'karen.w@example.com', 'liam@startup.io', 'maria.g@inbox.org', 'noah.p@corp.com', 'olivia@design.co',
    'peter.q@uni.edu', 'rosa.m@example.org', 'sam@garage.dev', 'tina.b@mail.net', 'zoe@studio.art']),
  product: s(['laptop', 'headphones', 'keyboard', 'monitor', 'backpack', 'umbrella', 'kettle', 'blender',
    'toaster', 'camera', 'tripod', 'charger', 'notebook', 'lamp', 'mug', 'sneakers', 'jacket', 'scarf',
    'helmet', 'bicycle', 'tent', 'guitar', 'printer', 'router', 'speaker', 'drone', 'watch', 'pillow']),
  ingredient: s(['flour', 'sugar', 'butter', 'eggs', 'milk', 'rice', 'basil', 'garlic', 'onion', 'tomato',
    'lemon', 'honey', 'salt', 'pepper', 'cheese', 'spinach', 'carrot', 'ginger', 'yogurt', 'oats',
    'chickpeas', 'lentils', 'mushrooms', 'apples']),
  dish: s(['pizza', 'sushi', 'ramen', 'tacos', 'curry', 'lasagna', 'burger', 'pasta', 'falafel', 'dumplings',
    'paella', 'pho', 'risotto', 'goulash', 'moussaka', 'burrito', 'pancakes', 'couscous', 'kebab', 'gnocchi']),
  restaurant: s(['Blue Door', 'Golden Fork', 'Casa Verde', 'Le Petit Four', 'Olive Tree', 'Red Lantern',
    'Sakura House', 'The Copper Pot', 'Saffron Room', 'Harbor Grill', 'Maple Kitchen', 'Luna Bistro',
    'Stone Oven', 'Green Garden', 'Silver Spoon', 'Night Market']),
  message: s(['see you tomorrow', 'the meeting moved to noon', 'thanks for the gift', 'running ten minutes late',
    'happy birthday', 'the report is ready', 'call me when you land', 'lunch is on me today',
    'the package arrived', 'good luck with the exam', 'dinner at eight', 'the train is delayed',
    'please water the plants', 'the keys are under the mat', 'congrats on the new job', 'the door code changed']),
  title: s(['Silent Harbor', 'Blue Orchard', 'The Last Lighthouse', 'Paper Moons', 'Iron Valley', 'Glass Garden',
    'Northern Lights', 'The Quiet Storm', 'Hidden River', 'Copper Sky', 'Midnight Train', 'Winter Bloom',
    'The Salt Road', 'Crimson Tide', 'Echo Park', 'Falling Embers', 'Velvet Dawn', 'The Long Summer',
    'Broken Compass', 'Emerald Coast']),
  artist: s(['Nova Reyes', 'The Lanterns', 'Ava Stone', 'Milo Park', 'Echo Choir', 'Ruby Vale',
    'Jonas Kite', 'The Drifters', 'Selma Frost', 'Leo Marsh', 'Orchid Lane', 'Kai Rivers',
    'Iris Bloom', 'The Wanderers', 'Dara Fox', 'Theo Grant']),
  ticker: s(['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA', 'NVDA', 'META', 'NFLX', 'INTC', 'AMD', 'ORCL', 'IBM',
    'SAP', 'SONY', 'UBER', 'SHOP', 'ADBE', 'CSCO', 'QCOM', 'PYPL']),
  file: s(['report.pdf', 'notes.txt', 'budget.xlsx', 'photo.jpg', 'slides.pptx', 'contract.docx', 'data.csv',
    'invoice.pdf', 'draft.md', 'logo.png', 'backup.zip', 'plan.txt', 'resume.pdf', 'song.mp3', 'video.mp4', 'map.svg']),
  folder: s(['documents', 'archive', 'photos', 'projects', 'downloads', 'music', 'taxes', 'work',
    'travel', 'school', 'shared', 'backups']),
  date: s(['2024-01-15', '2024-02-03', '2024-02-29', '2024-03-12', '2024-03-30', '2024-04-08', '2024-04-21',
    '2024-05-05', '2024-05-17', '2024-06-01', '2024-06-19', '2024-07-04', '2024-07-22', '2024-08-09',
    '2024-08-30', '2024-09-11', '2024-09-26', '2024-10-02', '2024-10-31', '2024-11-14', '2024-11-28',
    '2024-12-06', '2024-12-24', '2025-01-10']),
  time: s(['07:30', '08:00', '08:45', '09:15', '10:00', '10:30', '11:45', '12:00', '12:30', '13:15',
    '14:00', '14:30', '15:45', '16:00', '17:30', '18:15', '19:00', '19:45', '20:30', '21:00']),
  team: s(['Red Hawks', 'Blue Sharks', 'Green Wolves', 'Golden Bears', 'River Foxes', 'Storm Eagles',
    'Iron Lions', 'Night Owls', 'Silver Stags', 'Desert Vipers', 'Mountain Goats', 'Ocean Tigers']),
  username: s(['sunny_fox', 'quiet_owl', 'blue_tiger', 'code_ninja', 'happy_panda', 'lazy_cat', 'night_rider',
    'pixel_art', 'green_leaf', 'rocket_man', 'coffee_bean', 'snow_drop', 'wild_wolf', 'star_gazer', 'red_maple', 'tiny_turtle']),
  tag: s(['urgent', 'family', 'finance', 'health', 'travel', 'school', 'hobby', 'garden', 'fitness', 'reading',
    'music', 'cooking', 'pets', 'car', 'home', 'gifts']),
  word: s(['serendipity', 'ephemeral', 'resilient', 'ubiquitous', 'meticulous', 'candid', 'frugal', 'vivid',
    'tenacious', 'lucid', 'pragmatic', 'whimsical', 'eloquent', 'nimble', 'stoic', 'zealous']),
  topic: s(['solar power', 'ancient Rome', 'black holes', 'jazz history', 'climate change', 'honey bees',
    'volcanoes', 'chess openings', 'deep sea fish', 'the Silk Road', 'quantum computing', 'coral reefs',
    'origami', 'Viking ships', 'sourdough bread', 'electric cars']),
  plate: s(['AB-123-CD', 'XY-987-ZT', 'KL-456-MN', 'GH-321-JK', 'PQ-654-RS', 'TU-789-VW', 'EF-246-GH', 'CD-135-EF',
    'MN-864-OP', 'RS-975-TU', 'VW-112-XY', 'ZA-358-BC']),
  count: { kind: 'integer', lo: 1, hi: 12 },
  guests: { kind: 'integer', lo: 2, hi: 24 },
  days: { kind: 'integer', lo: 1, hi: 14 },
  year: { kind: 'integer', lo: 1950, hi: 2024 },
  minutes: { kind: 'integer', lo: 5, hi: 240, step: 5 },
  quantity: { kind: 'integer', lo: 1, hi: 60 },
  page: { kind: 'integer', lo: 1, hi: 400 },
  steps: { kind: 'integer', lo: 1000, hi: 30000, step: 250 },
  brightness: { kind: 'integer', lo: 5, hi: 100, step: 5 },
  amount: { kind: 'number', lo: 1, hi: 3000, step: 0.25 },
  price: { kind: 'number', lo: 0.5, hi: 500, step: 0.5 },
  temperature: { kind: 'number', lo: 16, hi: 28, step: 0.5 },
  weight: { kind: 'number', lo: 0.5, hi: 40, step: 0.1 },
  distance: { kind: 'number', lo: 0.5, hi: 120, step: 0.5 },
  percent: { kind: 'number', lo: 0.5, hi: 25, step: 0.25 },
} as const satisfies Record<string, Domain>;

export type DomainName = keyof typeof DOMAINS;

/** Share of every domain held out for the test splits. */
export const HELD_OUT_SHARE = 0.25;

function decimals(step: number): number {
  const str = String(step);
  const dot = str.indexOf('.');
  return dot < 0 ? 0 : str.length - dot - 1;
}

/** Every value of a domain, in a fixed order. */
export function domainValues(d: Domain): (string | number)[] {
  if (d.kind === 'string') return d.values.slice();
  const step = d.step ?? 1;
  const n = Math.round((d.hi - d.lo) / step);
  const scale = 10 ** decimals(step);
  const out: number[] = [];
  // Integer arithmetic on scaled values so that 0.1 steps give 12.3, not 12.299999.
  const lo = Math.round(d.lo * scale);
  const st = Math.round(step * scale);
  for (let i = 0; i <= n; i++) out.push((lo + i * st) / scale);
  return out;
}

export type DomainSplit = { train: (string | number)[]; test: (string | number)[] };

/** Per seed: each domain shuffled, the last HELD_OUT_SHARE held out (at least one value each side). */
export function splitDomains(seed: number): Record<DomainName, DomainSplit> {
  const out = {} as Record<DomainName, DomainSplit>;
  for (const name of Object.keys(DOMAINS) as DomainName[]) {
    const values = shuffled(stream(seed, 'domain', name), domainValues(DOMAINS[name]));
    const nTest = Math.min(values.length - 1, Math.max(1, Math.round(values.length * HELD_OUT_SHARE)));
    out[name] = { train: values.slice(0, values.length - nTest), test: values.slice(values.length - nTest) };
  }
  return out;
}
