// A third value partition, for RL prompts: values in neither side of splitDomains, so
// neither the SFT warm start (train values) nor the held-out splits (test values) ever saw
// them. The held-out splits measure generalisation to values the model was not trained on;
// RL prompts drawn with train values are ones the warm start memorised (its rollouts solve
// them, the held-out greedy accuracy does not move), while fresh values pose the same
// problem the held-out splits pose: copy a value the model has not learned, into the call.
// String domains get new values of the same kind; numeric ones the range just above theirs,
// same step (the tool schemas carry types, not ranges).

import { DOMAINS, type Domain, type DomainName } from './domains.js';

const s = (values: string[]): Domain => ({ kind: 'string', values });

const FRESH_STRINGS: Record<string, Domain> = {
  city: s(['Kyoto', 'Montreal', 'Krakow', 'Valencia', 'Bologna', 'Tallinn', 'Riga', 'Vilnius', 'Bruges', 'Ghent',
    'Hanoi', 'Manila', 'Jakarta', 'Lagos', 'Accra', 'Bogota', 'Santiago', 'Phoenix', 'Portland', 'Atlanta']),
  person: s(['Aaron', 'Bianca', 'Cyrus', 'Delia', 'Elias', 'Fiona', 'Gustav', 'Hana', 'Ivan', 'Julia',
    'Kofi', 'Leila', 'Mateo', 'Nadia', 'Oscar', 'Paula', 'Ravi', 'Sofia', 'Tomas', 'Vera']),
  email: s(['aaron.b@example.net', 'bianca@mailbox.org', 'cyrus.k@corp.io', 'delia77@inbox.net', 'elias@workshop.dev',
    'fiona.m@uni.org', 'gustav@studio.io', 'hana.s@example.com', 'ivan.p@shop.net', 'julia.r@design.org',
    'kofi@startup.co', 'leila.n@mail.com']),
  product: s(['stapler', 'blanket', 'thermos', 'scooter', 'projector', 'microphone', 'sandals', 'mattress',
    'whisk', 'easel', 'kayak', 'hammock', 'telescope', 'juicer', 'wallet', 'candle']),
  ingredient: s(['cinnamon', 'paprika', 'quinoa', 'avocado', 'almonds', 'cabbage', 'zucchini', 'walnuts',
    'cumin', 'leeks', 'raisins', 'tofu', 'vanilla', 'parsley', 'barley', 'pumpkin']),
  dish: s(['biryani', 'ceviche', 'pierogi', 'shakshuka', 'tempura', 'bibimbap', 'enchiladas', 'ratatouille',
    'tagine', 'laksa', 'souvlaki', 'quiche']),
  restaurant: s(['Amber Table', 'Cedar House', 'Fig and Vine', 'Golden Lotus', 'Juniper Hall', 'Marble Arch Cafe',
    'Pepper Mill', 'Quince Garden', 'Rosemary Inn', 'Tidewater Grill']),
  message: s(['the car is ready', 'see you at the station', 'the cake is in the fridge', 'meeting is cancelled',
    'bring an umbrella', 'the tickets are booked', 'back in an hour', 'the printer is fixed', 'dinner moved to Friday',
    'the parcel is at the door']),
  title: s(['Amber Skies', 'The Hollow Oak', 'Distant Shores', 'Lantern Bay', 'Frozen Echoes', 'The Red Canyon',
    'Morning Tide', 'Paper Lanterns', 'The Seventh Gate', 'Quiet Meadow', 'Scarlet Harbor', 'Autumn Rain']),
  artist: s(['Mara Quill', 'The Comets', 'Otto Vance', 'Lena Shore', 'Birch Avenue', 'Rafael Dune', 'Tessa Moon',
    'The Outliers', 'Nico Hale', 'Juno Sparks']),
  ticker: s(['ABNB', 'SNAP', 'SPOT', 'ZOOM', 'DELL', 'CRM', 'NOW', 'TEAM', 'DOCU', 'ROKU', 'LYFT', 'PINS']),
  file: s(['agenda.docx', 'receipt.pdf', 'summary.txt', 'chart.png', 'inventory.csv', 'minutes.md', 'poster.jpg',
    'archive.tar', 'budget2.xlsx', 'speech.mp3', 'demo.mov', 'floorplan.svg']),
  folder: s(['receipts', 'drafts', 'templates', 'clients', 'recipes', 'invoices', 'scans', 'holidays', 'research', 'temp']),
  date: s(['2025-02-14', '2025-03-03', '2025-03-21', '2025-04-10', '2025-05-02', '2025-05-28', '2025-06-16',
    '2025-07-09', '2025-08-01', '2025-08-25', '2025-09-18', '2025-10-07', '2025-11-03', '2025-12-12']),
  time: s(['06:45', '07:15', '09:45', '11:15', '13:45', '15:15', '16:45', '18:45', '20:15', '21:45', '22:30', '23:00']),
  team: s(['Copper Cobras', 'Arctic Lynx', 'Thunder Rams', 'Coral Sharks', 'Prairie Dogs', 'Jade Dragons',
    'Forest Bison', 'Harbor Seals', 'Crimson Kites', 'Sand Scorpions']),
  username: s(['misty_moon', 'brave_lion', 'silver_fern', 'jolly_otter', 'data_wizard', 'cosmic_ray', 'maple_syrup',
    'urban_hiker', 'lucky_clover', 'paper_plane', 'echo_valley', 'frost_bite']),
  tag: s(['work', 'kids', 'sports', 'taxes', 'art', 'movies', 'insurance', 'repairs', 'friends', 'volunteer',
    'bills', 'camping']),
  word: s(['gregarious', 'laconic', 'benevolent', 'diligent', 'ethereal', 'fervent', 'gallant', 'humble',
    'intrepid', 'jovial', 'keen', 'luminous']),
  topic: s(['glaciers', 'the printing press', 'octopus intelligence', 'Mayan calendars', 'wind turbines',
    'medieval castles', 'tea ceremonies', 'rainforests', 'the Apollo missions', 'bird migration', 'sundials', 'tidal energy']),
  plate: s(['BC-234-DE', 'FG-876-HI', 'JK-543-LM', 'NO-219-PQ', 'RT-680-SU', 'VX-431-YZ', 'AC-907-BD', 'EG-158-FH',
    'IK-372-JL', 'MO-795-NP']),
};

/** The fresh domain of `name`: new strings, or the numeric range just above the original one. */
function freshOf(name: DomainName): Domain {
  const d = DOMAINS[name] as Domain;
  if (d.kind === 'string') {
    const f = FRESH_STRINGS[name];
    if (f === undefined) throw new Error(`no fresh values for string domain ${name}`);
    return f;
  }
  const step = d.step ?? 1;
  const width = Math.max(step * 4, Math.round((d.hi - d.lo) / step / 3) * step);
  const lo = d.hi + step;
  return d.kind === 'integer' ? { kind: 'integer', lo, hi: lo + width, step } : { kind: 'number', lo: Number((lo).toFixed(6)), hi: Number((lo + width).toFixed(6)), step };
}

export const FRESH_DOMAINS: Readonly<Record<DomainName, Domain>> = Object.fromEntries(
  (Object.keys(DOMAINS) as DomainName[]).map((n) => [n, freshOf(n)])) as Record<DomainName, Domain>;
