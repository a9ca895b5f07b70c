package compliance

import "strings"

// Word lists used by normalisation. They are data, kept in one place so a
// reviewer can read what is folded together.

// honorifics are dropped when the name has other words: titles, ranks and
// forms of address in the languages payees and listed names use.
var honorifics = wordSet(`
mr mrs ms miss mister madam madame mme mlle dr doctor prof professor sir dame lord lady rev reverend
hon honorable honourable sheikh sheik shaikh shaykh cheikh haji hajji hadji hajj alhaji alhaj mullah mulla
mawlawi maulvi moulvi mawlana maulana molvi sayyed ayatollah hojatoleslam general gen col colonel maj major
capt captain lt lieutenant cmdr commander brig brigadier adm admiral sgt sergeant gov governor sen senator
president presidente praesident prasident prezident prezydent predsjednik predsednik presidentti presiden
presedintele preshedintele elnok baskan rais raees emir amir prince princess king queen herr frau senor senora
sr sra don dona monsieur signor signora pan pani gospodin gospozha ustad ustaz`)

// pureTitles are honorifics that are never a name word: dropped wherever
// they stand outside the surname part.
var pureTitles = wordSet(`mr mrs ms mme mlle dr prof president presidente praesident prasident prezident
prezydent predsjednik predsednik presidentti presiden presedintele preshedintele elnok baskan`)

// particles are kept as words but weigh little.
var particles = wordSet(`al ul ud ad ar as at an ash az bin bint ibn abu abou umm de da di del della dos das du
van von der den ter la le los las y`)

// particleCanon folds particle spellings.
var particleCanon = map[string]string{"el": "al", "ibn": "bin", "abou": "abu", "ould": "wuld"}

// legalForms maps legal-entity forms (single words after joining dotted
// initials) to a canonical form. Forms that mean the same company type are
// folded together (OOO = LLC, ZAO = CJSC, OAO = OJSC, PAO = PJSC); the
// canonical forms weigh little, so a different form barely moves a score.
var legalForms = map[string]string{
	"llc": "llc", "ooo": "llc", "tov": "llc", "too": "llc", "gmbh": "llc", "sarl": "llc", "srl": "llc", "sro": "llc",
	"spzoo": "llc", "bv": "llc", "kft": "llc", "doo": "llc", "ltda": "llc", "mchj": "llc", "eirl": "llc", "limitada": "llc",
	"ltd": "ltd", "limited": "ltd", "pte": "ltd", "pty": "ltd", "plc": "ltd", "bhd": "ltd", "sdn": "ltd",
	"jsc": "jsc", "ao": "jsc", "zao": "jsc", "cjsc": "jsc", "oao": "jsc", "ojsc": "jsc", "pao": "jsc", "pjsc": "jsc",
	"prat": "jsc", "ag": "jsc", "sa": "jsc", "sas": "jsc", "sac": "jsc", "saci": "jsc", "spa": "jsc", "nv": "jsc",
	"jscb": "jsc", "ojscb": "jsc", "sab": "jsc", "sapi": "jsc", "cv": "cv", "rl": "rl",
	"co": "co", "company": "co", "corp": "co", "corporation": "co", "inc": "co", "incorporated": "co", "cia": "co",
	"compania": "co", "compagnie": "co", "kk": "co", "gk": "co", "ug": "co", "kg": "co", "ohg": "co", "lp": "co", "llp": "co",
	"est": "co", "establishment": "co", "fze": "llc", "fzco": "llc", "fzc": "llc", "fzllc": "llc", "wll": "llc",
	// Words of multi-word forms, each kept as a light legal word.
	"liability": "liability", "joint": "joint", "stock": "stock", "jointstock": "joint", "open": "open", "closed": "closed",
	"public": "public", "private": "private", "partnership": "partnership", "obshchestvo": "obshchestvo",
	"obschestvo": "obshchestvo", "ogranichennoy": "ogranichennoy", "ogranichennoi": "ogranichennoy",
	"otvetstvennostyu": "otvetstvennostyu", "aktsionernoe": "aktsionernoe", "aktsionernoye": "aktsionernoe",
	"zakrytoe": "closed", "otkrytoe": "open", "publichnoe": "public", "tovarystvo": "tovarystvo", "sociedad": "sociedad",
	"anonima": "anonima", "societe": "societe", "anonyme": "anonyme", "responsabilidad": "responsabilidad",
	"limitee": "ltd", "gesellschaft": "gesellschaft", "beschrankter": "beschrankter", "haftung": "haftung",
	"aktiengesellschaft": "jsc",
}

// legalDeletes maps every one-letter deletion of a legal word of 6+
// letters to its canonical form, for recognising typos ("compnay").
var legalDeletes = buildLegalDeletes()

func buildLegalDeletes() map[string]string {
	del := map[string]string{}
	for w, c := range legalForms {
		if len(w) < 6 {
			continue
		}
		for i := 0; i < len(w); i++ {
			del[w[:i]+w[i+1:]] = c
		}
	}
	return del
}

// legalPhrases are multi-word legal forms, longest first, folded to the
// canonical single word.
var legalPhrases = []struct {
	words []string
	canon string
}{
	{strings.Fields("obshchestvo s ogranichennoy otvetstvennostyu"), "llc"},
	{strings.Fields("obshchestvo s ogranichennoi otvetstvennostyu"), "llc"},
	{strings.Fields("tovarystvo z obmezhenoyu vidpovidalnistyu"), "llc"},
	{strings.Fields("public joint stock company"), "jsc"},
	{strings.Fields("open joint stock company"), "jsc"},
	{strings.Fields("closed joint stock company"), "jsc"},
	{strings.Fields("private joint stock company"), "jsc"},
	{strings.Fields("joint stock commercial bank"), "jsc bank"},
	{strings.Fields("limited liability company"), "llc"},
	{strings.Fields("limited liability partnership"), "llc"},
	{strings.Fields("publichnoe aktsionernoe obshchestvo"), "jsc"},
	{strings.Fields("otkrytoe aktsionernoe obshchestvo"), "jsc"},
	{strings.Fields("zakrytoe aktsionernoe obshchestvo"), "jsc"},
	{strings.Fields("aktsionernoe obshchestvo"), "jsc"},
	{strings.Fields("aktsionerne tovarystvo"), "jsc"},
	{strings.Fields("joint stock company"), "jsc"},
	{strings.Fields("jointstock company"), "jsc"},
	{strings.Fields("sociedad anonima"), "jsc"},
	{strings.Fields("societe anonyme"), "jsc"},
	{strings.Fields("sp z o o"), "llc"},
	{strings.Fields("co ltd"), "ltd"},
	{strings.Fields("company limited"), "ltd"},
	{strings.Fields("private limited"), "ltd"},
	{strings.Fields("pvt ltd"), "ltd"},
	{strings.Fields("sdn bhd"), "ltd"},
	{strings.Fields("s de rl de cv"), "llc"},
	{strings.Fields("sa de cv"), "jsc"},
	{strings.Fields("s a de c v"), "jsc"},
	{strings.Fields("s a de cv"), "jsc"},
	{strings.Fields("s de r l de cv"), "llc"},
	{strings.Fields("s de rl de cv"), "llc"},
	{strings.Fields("s a s"), "jsc"},
	{strings.Fields("s a c"), "jsc"},
}

// variants folds spellings of the same name word to one canonical form:
// the first word of each line is the canonical form.
var variants = variantMap(`
muhammad mohammed mohammad mohamed muhammed mohamad muhamad mohammod muhamed mohamud mohd mhd mohamet mouhamed mouhammad muhammet mehmet mukhammad mukhammed magomed mohamud muhamadu mahomed mohammadi:muhammadi
ahmad ahmed ahmet akhmed akhmad achmed ahmadi:ahmadi
mahmud mahmood mahmoud mehmood mehmud makhmud mahmut
hasan hassan hasen khasan hassen
husayn hussein husein hussain husain hossein hosein huseyn huseyin khusein hossain
husayni husseini hussaini husaini hosseini
usama osama ousama oussama
qadhafi gaddafi gadhafi qaddafi kadafi gadafi gadaffi qathafi kaddafi gheddafi kadhafi gadafy qadafi qadhdhafi gadhaffi kazzafi
muammar moammar moamar muamar mouammar moamer muammer
lukashenka lukashenko lukashenkov
aleksandr alexander alexandr aleksander alyaksandr oleksandr aleksandar alexandre alessandro alejandro
vladimir wladimir volodymyr volodimir uladzimir wlodzimierz vladimer vladimiro
vladimirovich volodymyrovych volodimirovich uladzimiravich vladimirovych wladimirowitsch wladimirovich
yuri yury yuriy iurii jurij yurii yuriy juri iouri
sergei sergey serhiy sergej siarhei serguei sergiy serhii
dmitri dmitry dmitriy dmytro dzmitry dimitri dimitry dmitrii
evgeni yevgeny evgeny evgeniy yevgeniy yevhen evgenii yevgenii eugeni
aleksei alexei aleksey alexey oleksiy aliaksei alexej oleksii
andrei andrey andriy andrii andrej
nikolai nikolay mykola nikolaj mikalai
mikhail michail mikhael mykhailo mikhailo
abd abdul abdel abdal abdol abdoul abdu abdel
abdallah abdullah abdulla abdalla abdellah abdollah
uthman osman othman usman outhman
umar omar oumar
yusuf yousef youssef yusef yousuf yussuf yosef
ibrahim ebrahim ibraheem brahim
ismail ismael ismaeel esmail
khalid khaled khaleed
said saeed sayed saied saaid
mustafa mostafa moustafa mustapha mostapha
abu abou
bin ben
hamza hamzah hamzeh
yahya yahia yehia
salih saleh salah
nasir nasser nasir naser nassir
jamal gamal
abdulaziz abdelaziz abdulazeez
ali aly
sulayman suleiman sulaiman soleiman suleyman slimane
qasim qassem kasim qasem kassem
muhsin mohsen mohsin
rahman rehman rakhman
husni hosni
jafar jaafar jafer
kim gim
`)

// patronymic endings written in different languages' transliterations of
// Russian -ovich / -evich, folded to -ovich / -evich.
var patronymicSuffixes = []struct{ from, to string }{
	{"owitsch", "ovich"}, {"ewitsch", "evich"}, {"ovitch", "ovich"}, {"evitch", "evich"},
	{"ovitsj", "ovich"}, {"evitsj", "evich"}, {"owicz", "ovich"}, {"ewicz", "evich"},
	{"ovych", "ovich"}, {"evych", "evich"}, {"ovitj", "ovich"}, {"evitj", "evich"},
	{"ovitx", "ovich"}, {"evitx", "evich"}, {"ovics", "ovich"}, {"evics", "evich"},
	{"ovici", "ovich"}, {"evici", "evich"}, {"ovits", "ovich"}, {"evits", "evich"},
	{"owich", "ovich"}, {"owitsj", "ovich"}, {"ewitsj", "evich"}, {"ufitsh", "ovich"}, {"ufitch", "ovich"}, {"ufich", "ovich"}, {"obichi", "ovich"}, {"ebichi", "evich"}, {"ovic", "ovich"}, {"evic", "evich"}, {"avich", "ovich"}, {"avitsch", "ovich"},
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// variantMap reads lines "canonical variant variant …"; "a:b" maps a to b.
func variantMap(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		canon := f[0]
		for _, v := range f[1:] {
			if a, b, ok := strings.Cut(v, ":"); ok {
				m[a] = b
				continue
			}
			if v != canon {
				m[v] = canon
			}
		}
	}
	return m
}
