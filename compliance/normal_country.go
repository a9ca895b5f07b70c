package compliance

import "strings"

// OFAC writes countries as names ("Korea, North", "Burma", "Congo,
// Democratic Republic of the"); queries carry ISO 3166-1 alpha-2 codes.
// countryCodes maps lower-case OFAC (and common) names to codes.
var countryCodes = buildCountryCodes(`
AF afghanistan
AL albania
DZ algeria
AS american samoa
AD andorra
AO angola
AI anguilla
AG antigua and barbuda
AR argentina
AM armenia
AW aruba
AU australia
AT austria
AZ azerbaijan
BS bahamas, the|bahamas|the bahamas
BH bahrain
BD bangladesh
BB barbados
BY belarus
BE belgium
BZ belize
BJ benin
BM bermuda
BT bhutan
BO bolivia
BA bosnia and herzegovina
BW botswana
BR brazil
VG virgin islands, british|british virgin islands
BN brunei|brunei darussalam
BG bulgaria
BF burkina faso
MM burma|myanmar
BI burundi
CV cabo verde|cape verde
KH cambodia
CM cameroon
CA canada
KY cayman islands
CF central african republic
TD chad
CL chile
CN china|region: china|people's republic of china
CO colombia
KM comoros
CD congo, democratic republic of the|democratic republic of the congo|congo (kinshasa)
CG congo, republic of the|republic of the congo|congo|congo (brazzaville)
CK cook islands
CR costa rica
CI cote d ivoire|cote d'ivoire|ivory coast
HR croatia
CU cuba
CW curacao|netherlands antilles
CY cyprus
CZ czech republic|czechia
DK denmark
DJ djibouti
DM dominica
DO dominican republic
EC ecuador
EG egypt
SV el salvador
GQ equatorial guinea
ER eritrea
EE estonia
SZ eswatini|swaziland
ET ethiopia
FJ fiji
FI finland
FR france
GF french guiana
PF french polynesia
GA gabon
GM the gambia|gambia, the|gambia
GE georgia
DE germany
GH ghana
GI gibraltar
GR greece
GD grenada
GT guatemala
GG guernsey
GN guinea
GW guinea-bissau
GY guyana
HT haiti
VA holy see|vatican city
HN honduras
HK hong kong
HU hungary
IS iceland
IN india
ID indonesia
IR iran
IQ iraq
IE ireland
IM man, isle of|isle of man
IL israel
IT italy
JM jamaica
JP japan
JE jersey
JO jordan
KZ kazakhstan
KE kenya
KI kiribati
KP korea, north|north korea|korea, democratic people's republic of
KR korea, south|south korea|korea, republic of
XK kosovo
KW kuwait
KG kyrgyzstan
LA laos
LV latvia
LB lebanon
LS lesotho
LR liberia
LY libya
LI liechtenstein
LT lithuania
LU luxembourg
MO macau|macao
MG madagascar
MW malawi
MY malaysia
MV maldives
ML mali|region: northern mali
MT malta
MH marshall islands
MR mauritania
MU mauritius
MX mexico
FM micronesia, federated states of|micronesia
MD moldova
MC monaco
MN mongolia
ME montenegro
MA morocco
MZ mozambique
NA namibia
NR nauru
NP nepal
NL netherlands
NC new caledonia
NZ new zealand
NI nicaragua
NE niger
NG nigeria
MK north macedonia, the republic of|north macedonia|macedonia
NO norway
OM oman
PK pakistan
PW palau
PS palestinian|possibly palestinian|west bank|region: west bank|region: gaza|region: north gaza|region: northern gaza|gaza
PA panama
PG papua new guinea
PY paraguay
PE peru
PH philippines
PL poland
PT portugal
PR puerto rico
QA qatar
RO romania
RU russia|russian federation|region: russia
RW rwanda
KN saint kitts and nevis|st. kitts and nevis
LC saint lucia
VC saint vincent and the grenadines
WS samoa
SM san marino
ST sao tome and principe
SA saudi arabia
SN senegal
RS serbia
SC seychelles
SL sierra leone
SG singapore
SX sint maarten
SK slovakia
SI slovenia
SB solomon islands
SO somalia
ZA south africa
SS south sudan
ES spain
LK sri lanka
SD sudan
SR suriname
SE sweden
CH switzerland
SY syria|syrian arab republic
TW taiwan
TJ tajikistan
TZ tanzania
TH thailand
TL timor-leste|east timor
TG togo
TO tonga
TT trinidad and tobago
TN tunisia
TR turkey|turkiye
TM turkmenistan
TC turks and caicos islands
TV tuvalu
UG uganda
UA ukraine|region: crimea|crimea
AE united arab emirates|uae
GB united kingdom|uk|great britain
US united states|usa|united states of america
UY uruguay
UZ uzbekistan
VU vanuatu
VE venezuela
VN vietnam|viet nam
YE yemen
ZM zambia
ZW zimbabwe
`)

func buildCountryCodes(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		code, names, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		for _, n := range strings.Split(names, "|") {
			m[n] = code
		}
	}
	return m
}

// countryCode maps an OFAC country name to its ISO 3166-1 alpha-2 code, or
// "" when unknown ("undetermined", disputed regions).
func countryCode(name string) string {
	n := strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(name), ".")))
	if c, ok := countryCodes[n]; ok {
		return c
	}
	return ""
}

// countryOfPlace reads the country at the end of a place of birth
// ("Tehran, Iran").
func countryOfPlace(place string) string {
	if i := strings.LastIndex(place, ","); i >= 0 {
		if c := countryCode(place[i+1:]); c != "" {
			return c
		}
	}
	return countryCode(place)
}
