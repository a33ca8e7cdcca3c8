/**
 * Where a phone number rings, as data (docs/design.md §14; README.md, Guardrails).
 *
 * NANP (+1) area codes by state, province or country: compiled 2026-12-07 from the North American
 * Numbering Plan Administrator's public area code assignments (NANPA, "NPA (Area Code) Database",
 * nationalnanpa.com/reports/reports_npa.html) and each state's time-zone boundaries (49 CFR part 71,
 * "Standard time zone boundaries"). An area code that spans two time zones lists both (SPLIT below):
 * the calling-hours check evaluates every zone listed and keeps the strictest result.
 *
 * Countries outside +1: the IANA tz database's zone.tab (country code → zones), restricted to the
 * countries listed here; a country with several zones lists the populated ones, all evaluated.
 * A number of a country not listed has no known zone: validate says how many were not checked.
 *
 * Not legal advice: area codes move with portability (a +1 202 number may belong to someone who moved),
 * and the tables are as of the date above.
 */
export const ZONES_SOURCE = "NANPA area code assignments and 49 CFR part 71 zone boundaries (compiled 2026-12-07); IANA tz zone.tab";

/** Area codes per region (US state / DC / territory, Canadian province, NANP country), space-separated. */
export const NANP_AREA_CODES: Readonly<Record<string, string>> = {
  AL: "205 251 256 334 483 659 938", AK: "907", AZ: "480 520 602 623 928", AR: "327 479 501 870",
  CA: "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 747 760 805 818 820 831 840 858 909 916 925 949 951",
  CO: "303 719 720 970 983", CT: "203 475 860 959", DE: "302", DC: "202 771",
  FL: "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954",
  GA: "229 404 470 478 678 706 762 770 912 943", HI: "808", ID: "208 986",
  IL: "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872", IN: "219 260 317 463 574 765 812 930",
  IA: "319 515 563 641 712", KS: "316 620 785 913", KY: "270 364 502 606 859", LA: "225 318 337 504 985", ME: "207",
  MD: "227 240 301 410 443 667", MA: "339 351 413 508 617 774 781 857 978", MI: "231 248 269 313 517 586 616 679 734 810 906 947 989",
  MN: "218 320 507 612 651 763 924 952", MS: "228 471 601 662 769", MO: "235 314 417 557 573 636 660 816 975", MT: "406",
  NE: "308 402 531", NV: "702 725 775", NH: "603", NJ: "201 551 609 640 732 848 856 862 908 973", NM: "505 575",
  NY: "212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934",
  NC: "252 336 472 704 743 828 910 919 980 984", ND: "701", OH: "216 220 234 283 326 330 380 419 436 440 513 567 614 740 937",
  OK: "405 539 572 580 918", OR: "458 503 541 971", PA: "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878",
  RI: "401", SC: "803 821 839 843 854 864", SD: "605", TN: "423 615 629 731 865 901 931",
  TX: "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915 936 940 945 956 972 979",
  UT: "385 435 801", VT: "802", VA: "276 434 540 571 686 703 757 804 826 948", WA: "206 253 360 425 509 564",
  WV: "304 681", WI: "262 274 353 414 534 608 715 920", WY: "307",
  PR: "787 939", VI: "340", GU: "671", MP: "670", AS: "684",
  AB: "368 403 587 780 825", BC: "236 250 257 604 672 778", MB: "204 431 584", NB: "428 506", NL: "709 879", NS: "782 902",
  ON: "226 249 289 343 365 382 387 416 437 519 548 613 647 683 705 742 753 807 905 942",
  QC: "263 354 367 418 438 450 468 514 579 581 819 873", SK: "306 474 639", NT: "867",
  BS: "242", BB: "246", AI: "264", AG: "268", VG: "284", CAYMAN: "345", BM: "441", GD: "473", TC: "649", JM: "658 876", MONTSERRAT: "664",
  SX: "721", LC: "758", DM: "767", VC: "784", DO: "809 829 849", TT: "868", KN: "869",
};

/** The zone of each region above (most of its area codes). */
export const REGION_ZONE: Readonly<Record<string, string>> = {
  AL: "America/Chicago", AK: "America/Anchorage", AZ: "America/Phoenix", AR: "America/Chicago", CA: "America/Los_Angeles",
  CO: "America/Denver", CT: "America/New_York", DE: "America/New_York", DC: "America/New_York", FL: "America/New_York",
  GA: "America/New_York", HI: "Pacific/Honolulu", ID: "America/Boise", IL: "America/Chicago", IN: "America/Indiana/Indianapolis",
  IA: "America/Chicago", KS: "America/Chicago", KY: "America/New_York", LA: "America/Chicago", ME: "America/New_York",
  MD: "America/New_York", MA: "America/New_York", MI: "America/Detroit", MN: "America/Chicago", MS: "America/Chicago",
  MO: "America/Chicago", MT: "America/Denver", NE: "America/Chicago", NV: "America/Los_Angeles", NH: "America/New_York",
  NJ: "America/New_York", NM: "America/Denver", NY: "America/New_York", NC: "America/New_York", ND: "America/Chicago",
  OH: "America/New_York", OK: "America/Chicago", OR: "America/Los_Angeles", PA: "America/New_York", RI: "America/New_York",
  SC: "America/New_York", SD: "America/Chicago", TN: "America/Chicago", TX: "America/Chicago", UT: "America/Denver",
  VT: "America/New_York", VA: "America/New_York", WA: "America/Los_Angeles", WV: "America/New_York", WI: "America/Chicago",
  WY: "America/Denver", PR: "America/Puerto_Rico", VI: "America/St_Thomas", GU: "Pacific/Guam", MP: "Pacific/Saipan",
  AS: "Pacific/Pago_Pago", AB: "America/Edmonton", BC: "America/Vancouver", MB: "America/Winnipeg", NB: "America/Moncton",
  NL: "America/St_Johns", NS: "America/Halifax", ON: "America/Toronto", QC: "America/Toronto", SK: "America/Regina",
  NT: "America/Yellowknife", BS: "America/Nassau", BB: "America/Barbados", AI: "America/Anguilla", AG: "America/Antigua",
  VG: "America/Tortola", CAYMAN: "America/Cayman", BM: "Atlantic/Bermuda", GD: "America/Grenada", TC: "America/Grand_Turk",
  JM: "America/Jamaica", MONTSERRAT: "America/Montserrat", SX: "America/Lower_Princes", LC: "America/St_Lucia", DM: "America/Dominica",
  VC: "America/St_Vincent", DO: "America/Santo_Domingo", TT: "America/Port_of_Spain", KN: "America/St_Kitts",
};

/** Area codes that span two (or more) zones: every zone listed is checked, the strictest result kept. */
export const SPLIT_AREA_CODES: Readonly<Record<string, readonly string[]>> = {
  // Florida panhandle west of the Apalachicola river keeps Central time.
  "850": ["America/New_York", "America/Chicago"],
  // El Paso and Hudspeth counties are Mountain.
  "915": ["America/Denver", "America/Chicago"],
  // Tennessee's Cumberland Plateau and Kentucky's border counties straddle Eastern and Central.
  "931": ["America/Chicago", "America/New_York"], "423": ["America/New_York", "America/Chicago"],
  "270": ["America/Chicago", "America/New_York"], "364": ["America/Chicago", "America/New_York"], "606": ["America/New_York", "America/Chicago"],
  // Indiana: the north-west and south-west corners are Central.
  "219": ["America/Chicago"], "812": ["America/Indiana/Indianapolis", "America/Chicago"], "930": ["America/Indiana/Indianapolis", "America/Chicago"],
  "574": ["America/Indiana/Indianapolis", "America/Chicago"],
  // Michigan's Upper Peninsula border counties are Central.
  "906": ["America/Detroit", "America/Menominee"],
  // The Dakotas, Nebraska and Kansas: the western parts are Mountain.
  "701": ["America/Chicago", "America/Denver"], "605": ["America/Chicago", "America/Denver"], "308": ["America/Chicago", "America/Denver"],
  "785": ["America/Chicago", "America/Denver"], "620": ["America/Chicago", "America/Denver"],
  // Eastern Oregon (Malheur) is Mountain; northern Idaho is Pacific.
  "541": ["America/Los_Angeles", "America/Boise"], "458": ["America/Los_Angeles", "America/Boise"],
  "208": ["America/Boise", "America/Los_Angeles"], "986": ["America/Boise", "America/Los_Angeles"],
  // The Navajo Nation in Arizona observes daylight saving time.
  "928": ["America/Phoenix", "America/Denver"],
  // Alaska's Aleutians west of 169°30' W.
  "907": ["America/Anchorage", "America/Adak"],
  // North-western Ontario is Central; eastern British Columbia is Mountain; the territories span four zones.
  "807": ["America/Toronto", "America/Winnipeg"], "250": ["America/Vancouver", "America/Edmonton"], "236": ["America/Vancouver", "America/Edmonton"],
  "257": ["America/Vancouver", "America/Edmonton"],
  "867": ["America/Whitehorse", "America/Yellowknife", "America/Winnipeg", "America/Iqaluit"],
};

/** Countries outside +1 (ISO 3166-1 alpha-2) → their zones (IANA zone.tab; populated zones only). */
export const COUNTRY_ZONES: Readonly<Record<string, readonly string[]>> = {
  MX: ["America/Mexico_City", "America/Cancun", "America/Merida", "America/Monterrey", "America/Chihuahua", "America/Ciudad_Juarez", "America/Mazatlan", "America/Hermosillo", "America/Tijuana"],
  GB: ["Europe/London"], IE: ["Europe/Dublin"], ES: ["Europe/Madrid", "Atlantic/Canary"], PT: ["Europe/Lisbon", "Atlantic/Azores"],
  FR: ["Europe/Paris"], DE: ["Europe/Berlin"], IT: ["Europe/Rome"], NL: ["Europe/Amsterdam"], BE: ["Europe/Brussels"],
  CH: ["Europe/Zurich"], AT: ["Europe/Vienna"], SE: ["Europe/Stockholm"], NO: ["Europe/Oslo"], DK: ["Europe/Copenhagen"],
  FI: ["Europe/Helsinki"], PL: ["Europe/Warsaw"], CZ: ["Europe/Prague"], GR: ["Europe/Athens"], RO: ["Europe/Bucharest"],
  BR: ["America/Sao_Paulo", "America/Bahia", "America/Fortaleza", "America/Recife", "America/Manaus", "America/Cuiaba", "America/Porto_Velho", "America/Rio_Branco", "America/Noronha"],
  AR: ["America/Argentina/Buenos_Aires"], CL: ["America/Santiago"], CO: ["America/Bogota"], PE: ["America/Lima"],
  EC: ["America/Guayaquil"], VE: ["America/Caracas"], UY: ["America/Montevideo"], PY: ["America/Asuncion"], BO: ["America/La_Paz"],
  GT: ["America/Guatemala"], CR: ["America/Costa_Rica"], PA: ["America/Panama"], SV: ["America/El_Salvador"], HN: ["America/Tegucigalpa"],
  NI: ["America/Managua"],
  AU: ["Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Adelaide", "Australia/Perth", "Australia/Hobart", "Australia/Darwin"],
  NZ: ["Pacific/Auckland"], IN: ["Asia/Kolkata"], JP: ["Asia/Tokyo"], SG: ["Asia/Singapore"], ZA: ["Africa/Johannesburg"],
  AE: ["Asia/Dubai"], IL: ["Asia/Jerusalem"], PH: ["Asia/Manila"],
};

/**
 * Numbers of a country with several zones whose leading digits (E.164 prefix) pin the zone:
 * Mexico's metropolitan area codes (IFT numbering plan, Plan Técnico Fundamental de Numeración): 55/56
 * Mexico City, 33 Guadalajara, 81 Monterrey — all on Mexico City's offset. Other numbers of the country
 * are checked in all its zones.
 */
export const COUNTRY_PREFIX_ZONES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  MX: { "+5255": ["America/Mexico_City"], "+5256": ["America/Mexico_City"], "+5233": ["America/Mexico_City"], "+5281": ["America/Monterrey"] },
};

/**
 * State calling-hour rules stricter than the federal 08:00–21:00 (47 CFR 64.1200(c)(1)), by the region
 * codes above, each with its source. Texas's Sunday noon start is not modelled (its 09:00 weekday start is).
 */
export const STATE_RULES: Readonly<Record<string, { start: string; end: string; source: string }>> = {
  FL: { start: "08:00", end: "20:00", source: "Fla. Stat. 501.059(8)(a) (Florida Telephone Solicitation Act, 2021)" },
  OK: { start: "08:00", end: "20:00", source: "Okla. Stat. tit. 15, 775C.4 (Telephone Solicitation Act of 2022)" },
  MD: { start: "08:00", end: "20:00", source: "Md. Code, Com. Law 14-4503 (Stop the Spam Calls Act of 2023)" },
  WA: { start: "08:00", end: "20:00", source: "RCW 80.36.390(2)" },
  CT: { start: "09:00", end: "20:00", source: "Conn. Gen. Stat. 42-288a (2023)" },
  TX: { start: "09:00", end: "21:00", source: "Tex. Bus. & Com. Code 301.051 (Sunday from 12:00 not modelled)" },
};

/** The federal window of `us-tcpa`. */
export const US_TCPA = { start: "08:00", end: "21:00", source: "47 U.S.C. 227; 47 CFR 64.1200(c)(1)" } as const;
