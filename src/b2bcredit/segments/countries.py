"""Countries and regions: ISO 3166-1 alpha-2 codes grouped by the UN M49 geoscheme.

A country is looked up by its alpha-2 code, its English short name or one of the aliases
that order systems write (``EIRE``, ``RSA``, ``USA``). Names that do not identify one
country, such as ``Channel Islands`` (Jersey or Guernsey), ``European Community`` or
``Unspecified``, are not guessed: :func:`lookup_country` returns ``None`` for them and the
callers report them as unknown.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["Country", "lookup_country", "region_of"]


@attrs.frozen(slots=True)
class Country:
    """A country with its ISO 3166-1 alpha-2 code and UN M49 region and subregion."""

    code: str
    name: str
    subregion: str
    region: str


# The M49 subregion of each country; the region (continent) follows from the subregion.
# Rows read "code|name|subregion".
_COUNTRY_ROWS: Final = """\
AD|Andorra|Southern Europe
AE|United Arab Emirates|Western Asia
AF|Afghanistan|Southern Asia
AG|Antigua and Barbuda|Latin America and the Caribbean
AL|Albania|Southern Europe
AM|Armenia|Western Asia
AO|Angola|Sub-Saharan Africa
AR|Argentina|Latin America and the Caribbean
AT|Austria|Western Europe
AU|Australia|Australia and New Zealand
AZ|Azerbaijan|Western Asia
BA|Bosnia and Herzegovina|Southern Europe
BB|Barbados|Latin America and the Caribbean
BD|Bangladesh|Southern Asia
BE|Belgium|Western Europe
BF|Burkina Faso|Sub-Saharan Africa
BG|Bulgaria|Eastern Europe
BH|Bahrain|Western Asia
BI|Burundi|Sub-Saharan Africa
BJ|Benin|Sub-Saharan Africa
BN|Brunei Darussalam|South-eastern Asia
BO|Bolivia|Latin America and the Caribbean
BR|Brazil|Latin America and the Caribbean
BS|Bahamas|Latin America and the Caribbean
BT|Bhutan|Southern Asia
BW|Botswana|Sub-Saharan Africa
BY|Belarus|Eastern Europe
BZ|Belize|Latin America and the Caribbean
CA|Canada|Northern America
CD|Democratic Republic of the Congo|Sub-Saharan Africa
CF|Central African Republic|Sub-Saharan Africa
CG|Congo|Sub-Saharan Africa
CH|Switzerland|Western Europe
CI|Côte d'Ivoire|Sub-Saharan Africa
CL|Chile|Latin America and the Caribbean
CM|Cameroon|Sub-Saharan Africa
CN|China|Eastern Asia
CO|Colombia|Latin America and the Caribbean
CR|Costa Rica|Latin America and the Caribbean
CU|Cuba|Latin America and the Caribbean
CV|Cabo Verde|Sub-Saharan Africa
CY|Cyprus|Western Asia
CZ|Czechia|Eastern Europe
DE|Germany|Western Europe
DJ|Djibouti|Sub-Saharan Africa
DK|Denmark|Northern Europe
DM|Dominica|Latin America and the Caribbean
DO|Dominican Republic|Latin America and the Caribbean
DZ|Algeria|Northern Africa
EC|Ecuador|Latin America and the Caribbean
EE|Estonia|Northern Europe
EG|Egypt|Northern Africa
ER|Eritrea|Sub-Saharan Africa
ES|Spain|Southern Europe
ET|Ethiopia|Sub-Saharan Africa
FI|Finland|Northern Europe
FJ|Fiji|Melanesia
FM|Micronesia|Micronesia
FO|Faroe Islands|Northern Europe
FR|France|Western Europe
GA|Gabon|Sub-Saharan Africa
GB|United Kingdom|Northern Europe
GD|Grenada|Latin America and the Caribbean
GE|Georgia|Western Asia
GG|Guernsey|Northern Europe
GH|Ghana|Sub-Saharan Africa
GI|Gibraltar|Southern Europe
GL|Greenland|Northern America
GM|Gambia|Sub-Saharan Africa
GN|Guinea|Sub-Saharan Africa
GQ|Equatorial Guinea|Sub-Saharan Africa
GR|Greece|Southern Europe
GT|Guatemala|Latin America and the Caribbean
GW|Guinea-Bissau|Sub-Saharan Africa
GY|Guyana|Latin America and the Caribbean
HK|Hong Kong|Eastern Asia
HN|Honduras|Latin America and the Caribbean
HR|Croatia|Southern Europe
HT|Haiti|Latin America and the Caribbean
HU|Hungary|Eastern Europe
ID|Indonesia|South-eastern Asia
IE|Ireland|Northern Europe
IL|Israel|Western Asia
IM|Isle of Man|Northern Europe
IN|India|Southern Asia
IQ|Iraq|Western Asia
IR|Iran|Southern Asia
IS|Iceland|Northern Europe
IT|Italy|Southern Europe
JE|Jersey|Northern Europe
JM|Jamaica|Latin America and the Caribbean
JO|Jordan|Western Asia
JP|Japan|Eastern Asia
KE|Kenya|Sub-Saharan Africa
KG|Kyrgyzstan|Central Asia
KH|Cambodia|South-eastern Asia
KI|Kiribati|Micronesia
KM|Comoros|Sub-Saharan Africa
KN|Saint Kitts and Nevis|Latin America and the Caribbean
KP|North Korea|Eastern Asia
KR|South Korea|Eastern Asia
KW|Kuwait|Western Asia
KZ|Kazakhstan|Central Asia
LA|Lao People's Democratic Republic|South-eastern Asia
LB|Lebanon|Western Asia
LC|Saint Lucia|Latin America and the Caribbean
LI|Liechtenstein|Western Europe
LK|Sri Lanka|Southern Asia
LR|Liberia|Sub-Saharan Africa
LS|Lesotho|Sub-Saharan Africa
LT|Lithuania|Northern Europe
LU|Luxembourg|Western Europe
LV|Latvia|Northern Europe
LY|Libya|Northern Africa
MA|Morocco|Northern Africa
MC|Monaco|Western Europe
MD|Moldova|Eastern Europe
ME|Montenegro|Southern Europe
MG|Madagascar|Sub-Saharan Africa
MH|Marshall Islands|Micronesia
MK|North Macedonia|Southern Europe
ML|Mali|Sub-Saharan Africa
MM|Myanmar|South-eastern Asia
MN|Mongolia|Eastern Asia
MO|Macao|Eastern Asia
MR|Mauritania|Sub-Saharan Africa
MT|Malta|Southern Europe
MU|Mauritius|Sub-Saharan Africa
MV|Maldives|Southern Asia
MW|Malawi|Sub-Saharan Africa
MX|Mexico|Latin America and the Caribbean
MY|Malaysia|South-eastern Asia
MZ|Mozambique|Sub-Saharan Africa
NA|Namibia|Sub-Saharan Africa
NE|Niger|Sub-Saharan Africa
NG|Nigeria|Sub-Saharan Africa
NI|Nicaragua|Latin America and the Caribbean
NL|Netherlands|Western Europe
NO|Norway|Northern Europe
NP|Nepal|Southern Asia
NR|Nauru|Micronesia
NZ|New Zealand|Australia and New Zealand
OM|Oman|Western Asia
PA|Panama|Latin America and the Caribbean
PE|Peru|Latin America and the Caribbean
PG|Papua New Guinea|Melanesia
PH|Philippines|South-eastern Asia
PK|Pakistan|Southern Asia
PL|Poland|Eastern Europe
PR|Puerto Rico|Latin America and the Caribbean
PS|Palestine|Western Asia
PT|Portugal|Southern Europe
PW|Palau|Micronesia
PY|Paraguay|Latin America and the Caribbean
QA|Qatar|Western Asia
RO|Romania|Eastern Europe
RS|Serbia|Southern Europe
RU|Russian Federation|Eastern Europe
RW|Rwanda|Sub-Saharan Africa
SA|Saudi Arabia|Western Asia
SB|Solomon Islands|Melanesia
SC|Seychelles|Sub-Saharan Africa
SD|Sudan|Northern Africa
SE|Sweden|Northern Europe
SG|Singapore|South-eastern Asia
SI|Slovenia|Southern Europe
SK|Slovakia|Eastern Europe
SL|Sierra Leone|Sub-Saharan Africa
SM|San Marino|Southern Europe
SN|Senegal|Sub-Saharan Africa
SO|Somalia|Sub-Saharan Africa
SR|Suriname|Latin America and the Caribbean
SS|South Sudan|Sub-Saharan Africa
ST|Sao Tome and Principe|Sub-Saharan Africa
SV|El Salvador|Latin America and the Caribbean
SY|Syrian Arab Republic|Western Asia
SZ|Eswatini|Sub-Saharan Africa
TD|Chad|Sub-Saharan Africa
TG|Togo|Sub-Saharan Africa
TH|Thailand|South-eastern Asia
TJ|Tajikistan|Central Asia
TL|Timor-Leste|South-eastern Asia
TM|Turkmenistan|Central Asia
TN|Tunisia|Northern Africa
TO|Tonga|Polynesia
TR|Türkiye|Western Asia
TT|Trinidad and Tobago|Latin America and the Caribbean
TV|Tuvalu|Polynesia
TW|Taiwan|Eastern Asia
TZ|Tanzania|Sub-Saharan Africa
UA|Ukraine|Eastern Europe
UG|Uganda|Sub-Saharan Africa
US|United States|Northern America
UY|Uruguay|Latin America and the Caribbean
UZ|Uzbekistan|Central Asia
VA|Holy See|Southern Europe
VC|Saint Vincent and the Grenadines|Latin America and the Caribbean
VE|Venezuela|Latin America and the Caribbean
VN|Viet Nam|South-eastern Asia
VU|Vanuatu|Melanesia
WS|Samoa|Polynesia
YE|Yemen|Western Asia
ZA|South Africa|Sub-Saharan Africa
ZM|Zambia|Sub-Saharan Africa
ZW|Zimbabwe|Sub-Saharan Africa
"""

# The M49 region (continent) of each subregion.
_REGION_OF_SUBREGION: Final[dict[str, str]] = {
    "Northern Europe": "Europe",
    "Western Europe": "Europe",
    "Southern Europe": "Europe",
    "Eastern Europe": "Europe",
    "Northern America": "Americas",
    "Latin America and the Caribbean": "Americas",
    "Western Asia": "Asia",
    "Central Asia": "Asia",
    "Southern Asia": "Asia",
    "Eastern Asia": "Asia",
    "South-eastern Asia": "Asia",
    "Northern Africa": "Africa",
    "Sub-Saharan Africa": "Africa",
    "Australia and New Zealand": "Oceania",
    "Melanesia": "Oceania",
    "Micronesia": "Oceania",
    "Polynesia": "Oceania",
}

# Names that order systems write for a country, beside the ISO short name.
_ALIASES: Final[dict[str, str]] = {
    "EIRE": "IE",
    "RSA": "ZA",
    "USA": "US",
    "UK": "GB",
    "GREAT BRITAIN": "GB",
    "CZECH REPUBLIC": "CZ",
    "KOREA": "KR",
    "REPUBLIC OF KOREA": "KR",
    "RUSSIA": "RU",
    "TURKEY": "TR",
    "VIETNAM": "VN",
    "IVORY COAST": "CI",
    "SWAZILAND": "SZ",
    "MACEDONIA": "MK",
    "HOLLAND": "NL",
    "UNITED STATES OF AMERICA": "US",
}


def _build_tables() -> tuple[dict[str, Country], dict[str, Country]]:
    by_code: dict[str, Country] = {}
    by_name: dict[str, Country] = {}
    for row in _COUNTRY_ROWS.splitlines():
        code, name, subregion = row.split("|")
        country = Country(code, name, subregion, _REGION_OF_SUBREGION[subregion])
        by_code[code] = country
        by_name[name.upper()] = country
    for alias, code in _ALIASES.items():
        by_name[alias] = by_code[code]
    return by_code, by_name


_BY_CODE, _BY_NAME = _build_tables()


def lookup_country(text: str) -> Country | None:
    """Return the country that an alpha-2 code, a name or an alias names, or ``None``.

    Matching ignores case and surrounding spaces. ``None`` means the text does not name
    exactly one country; callers report it rather than guess.
    """
    key = text.strip().upper()
    if len(key) == 2 and key in _BY_CODE:
        return _BY_CODE[key]
    return _BY_NAME.get(key)


def region_of(text: str) -> str | None:
    """Return the M49 region (Europe, Americas, Asia, Africa, Oceania) of a country."""
    country = lookup_country(text)
    return None if country is None else country.region
