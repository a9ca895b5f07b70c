package intake

import "strings"

// iso3166 lists every officially assigned ISO 3166-1 alpha-2 code (249),
// by first letter. User-assigned codes such as XK (Kosovo) are not
// included.
const iso3166 = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"YE YT " +
	"ZA ZM ZW"

// IsCountryCode reports whether code is an officially assigned ISO 3166-1
// alpha-2 code. It is case-sensitive: codes are upper-case.
func IsCountryCode(code string) bool {
	if len(code) != 2 || !isUpperAlpha(code) {
		return false
	}
	// Each code sits at a multiple of three in the table.
	for i := 0; i+2 <= len(iso3166); i += 3 {
		if iso3166[i:i+2] == code {
			return true
		}
	}
	return false
}

// CountryCodes returns every officially assigned ISO 3166-1 alpha-2 code,
// sorted.
func CountryCodes() []string { return strings.Fields(iso3166) }

// ukraineRegions are the ISO 3166-2:UA subdivision codes: 24 oblasts, the
// Autonomous Republic of Crimea (UA-43) and the cities of Kyiv (UA-30) and
// Sevastopol (UA-40).
const ukraineRegions = "UA-05 UA-07 UA-09 UA-12 UA-14 UA-18 UA-21 UA-23 UA-26 UA-30 UA-32 UA-35 " +
	"UA-40 UA-43 UA-46 UA-48 UA-51 UA-53 UA-56 UA-59 UA-61 UA-63 UA-65 UA-68 UA-71 UA-74 UA-77"

func isUkrainianRegion(code string) bool {
	for _, r := range strings.Fields(ukraineRegions) {
		if r == code {
			return true
		}
	}
	return false
}
