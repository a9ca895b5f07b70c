package compliance

import "strings"

// Han (Chinese characters), Khmer and Myanmar.
//
// Han: a compact pinyin table (no tones) of the characters used to write
// foreign names in Chinese (the Xinhua transcription syllables) and of
// common Chinese surnames and given-name characters, about 500 in all.
// A Chinese name of 2–4 characters reads as surname and given name
// ("习近平" → "xi jinping"); every Han word also has a loanword reading
// that undoes the usual transcription of foreign names: a syllable before
// l loses its vowel (弗拉 fula → fla), final er is r, final ing is in
// ("弗拉基米尔·普京" → "flajimir pujin"). Characters not in the table are
// kept as they are.

var hanPinyin = func() map[rune]string {
	m := map[rune]string{}
	for _, grp := range strings.Split(strings.ReplaceAll(hanTable, "\n", " | "), "|") {
		f := strings.Fields(grp)
		if len(f) != 2 {
			continue
		}
		for _, r := range f[1] {
			if _, ok := m[r]; !ok {
				m[r] = f[0]
			}
		}
	}
	return m
}()

func isHan(r rune) bool {
	return r >= 0x3400 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF
}

// hanToLatin returns the pinyin reading of a Han word and its loanword
// reading.
func hanToLatin(rs []rune) (std, loan string) {
	var syl []string
	allHan := true
	for _, r := range rs {
		if p, ok := hanPinyin[r]; ok {
			syl = append(syl, p)
			continue
		}
		allHan = false
		syl = append(syl, latinLetter(r))
	}
	if allHan && len(syl) >= 2 && len(syl) <= 4 {
		std = syl[0] + " " + strings.Join(syl[1:], "")
	} else {
		std = strings.Join(syl, "")
	}
	var b strings.Builder
	for i, s := range syl {
		last := i == len(syl)-1
		switch {
		case !last && strings.HasPrefix(syl[i+1], "l") && len(s) == 2 && strings.ContainsRune("uei", rune(s[1])):
			s = s[:1]
		case last && s == "er":
			s = "r"
		case last && strings.HasSuffix(s, "ing"):
			s = s[:len(s)-1]
		}
		b.WriteString(s)
	}
	return std, b.String()
}

// hanTable lists "pinyin characters" groups separated by "|".
const hanTable = `
a 阿 | ai 埃艾爱 | an 安 | ang 昂 | ao 奥 | ba 巴 | bai 拜白柏 | ban 班 | bang 邦 | bao 保鲍宝 | bei 贝
ben 本 | bi 比彼 | bie 别 | bin 宾斌彬 | bing 冰兵炳 | bo 波博伯 | bu 布步卜 | cai 采蔡财 | cao 曹 | ce 策
cha 查 | chang 常长昌 | chao 超朝 | chen 陈晨辰 | cheng 程成承 | chun 春 | ci 茨 | cui 崔翠 | da 达大 | dai 戴黛
dan 丹 | dang 当 | dao 道 | de 德 | deng 登邓 | di 迪蒂帝 | ding 丁 | dong 东董 | du 杜 | duan 段 | dun 顿
duo 多 | e 厄俄 | en 恩 | er 尔耳 | fa 法发 | fan 凡范帆 | fang 方芳 | fei 菲费飞 | fen 芬 | feng 丰冯峰锋风凤
fu 弗福夫富伏傅芙 | gan 甘 | gang 冈刚 | gao 高 | ge 戈格哥 | gen 根 | gong 龚 | gu 古顾 | gua 瓜 | guang 光
gui 圭桂贵 | guo 郭国 | ha 哈 | hai 海 | han 汉韩罕 | hang 航 | hao 豪郝浩 | he 赫贺和何诃 | hei 黑 | heng 亨恒
hong 洪红宏虹 | hou 侯 | hu 胡 | hua 华花 | huai 怀 | huan 欢焕 | huang 黄 | hui 辉慧惠会 | huo 霍 | ji 基吉继
jia 加贾家佳嘉迦伽 | jian 建坚健 | jiang 蒋姜江 | jie 杰捷 | jin 金近进 | jing 京静晶 | jiu 久 | ju 居菊 | juan 娟
jun 军俊峻 | ka 卡 | kai 凯开 | kan 坎 | kang 康 | kao 考 | ke 柯科克 | ken 肯 | kong 孔 | ku 库 | kua 夸
kui 奎 | kun 昆 | la 拉 | lai 莱赖来 | lan 兰 | lang 朗 | lao 劳 | le 勒乐 | lei 雷磊蕾 | li 里利理莉丽李黎立力
liang 梁亮良 | liao 廖 | lie 列 | lin 林琳 | ling 玲 | liu 留柳刘 | long 龙隆 | lu 卢鲁路吕陆露 | lun 伦
luo 罗洛 | ma 马玛 | mai 迈麦 | man 曼 | mang 芒 | mao 毛 | mei 梅美 | men 门 | meng 蒙孟 | mi 米密 | min 敏民
ming 明 | mo 莫默摩 | mu 姆穆 | na 纳娜 | nai 奈 | nan 南 | nei 内 | ni 尼妮 | nie 涅 | ning 宁 | niu 纽
nu 努 | nuo 诺 | ou 欧 | pa 帕 | pan 潘 | pang 庞 | pei 佩 | peng 彭鹏 | pi 皮 | ping 平萍 | pu 普
qi 奇齐契琪启琦 | qia 恰 | qian 钱倩 | qiang 强 | qiao 乔 | qie 切 | qin 钦琴秦 | qing 庆清 | qiong 琼
qiu 丘邱秋 | quan 全 | ran 然 | rang 让 | re 热 | ren 任仁 | ri 日 | rong 荣 | ru 茹 | rui 瑞睿 | ruo 若
sa 萨 | sai 塞赛 | sang 桑 | se 瑟 | sen 森 | sha 沙莎 | shan 山善 | shang 尚上 | shao 绍邵 | she 舍
shen 申沈 | sheng 圣生胜盛 | shi 施什史石世 | shou 守 | shu 舒淑 | shui 水 | shun 顺 | si 斯思 | song 松宋
su 苏 | sun 孙 | suo 索 | ta 塔 | tai 泰 | tan 坦谭 | tang 汤唐 | tao 陶涛 | te 特 | teng 滕 | ti 提
tian 田天 | tie 铁 | ting 廷婷 | tong 通 | tu 图 | tuo 托 | wa 瓦娃 | wan 万 | wang 旺王汪 | wei 威韦维魏伟卫薇
wen 温文 | weng 翁 | wo 沃 | wu 乌武吴 | xi 西希锡习喜茜 | xia 夏霞下 | xian 先贤鲜 | xiang 祥香 | xiao 萧小晓
xie 谢 | xin 辛新欣鑫信 | xing 兴星 | xiong 熊 | xiu 休秀 | xu 许徐 | xuan 轩 | xue 薛雪学 | ya 亚娅雅
yan 阎艳燕岩延 | yang 扬杨洋阳 | yao 姚耀 | ye 耶叶 | yi 伊依易一义益毅怡 | yin 因尹 | ying 英莹 | yong 勇永 | you 尤有友
yu 于余玉宇雨 | yuan 袁元远 | yue 约越月岳悦 | yun 云 | zan 赞 | ze 泽 | zeng 曾增 | zha 扎 | zhan 詹占
zhang 章张 | zhao 赵 | zhe 哲 | zhen 振珍贞 | zheng 郑正 | zhi 志 | zhong 钟忠中仲 | zhou 周舟 | zhu 朱竹珠
zhuo 卓 | zi 兹子 | zong 宗 | zou 邹 | zu 祖 | zuo 佐
`

// Khmer: consonants, vowels and signs; no inherent vowels are written
// (names are read as spelled: "វ៉្លាឌីមៀរ ពូទីន" → "vladimier putin").
var khmer = map[rune]string{
	'ក': "k", 'ខ': "kh", 'គ': "k", 'ឃ': "kh", 'ង': "ng", 'ច': "ch", 'ឆ': "chh", 'ជ': "ch", 'ឈ': "chh",
	'ញ': "nh", 'ដ': "d", 'ឋ': "th", 'ឌ': "d", 'ឍ': "th", 'ណ': "n", 'ត': "t", 'ថ': "th", 'ទ': "t",
	'ធ': "th", 'ន': "n", 'ប': "b", 'ផ': "ph", 'ព': "p", 'ភ': "ph", 'ម': "m", 'យ': "y", 'រ': "r",
	'ល': "l", 'វ': "v", 'ឝ': "sh", 'ឞ': "ss", 'ស': "s", 'ហ': "h", 'ឡ': "l", 'អ': "",
	'ឥ': "i", 'ឦ': "i", 'ឧ': "u", 'ឩ': "u", 'ឪ': "ou", 'ឫ': "ry", 'ឬ': "ry", 'ឭ': "ly", 'ឮ': "ly",
	'ឯ': "e", 'ឰ': "ai", 'ឱ': "ao", 'ឲ': "ao", 'ឳ': "au",
	'ា': "a", 'ិ': "i", 'ី': "i", 'ឹ': "oe", 'ឺ': "oe", 'ុ': "u", 'ូ': "u", 'ួ': "uo", 'ើ': "aeu",
	'ឿ': "oea", 'ៀ': "ie", 'េ': "e", 'ែ': "ae", 'ៃ': "ai", 'ោ': "ao", 'ៅ': "au", 'ំ': "m", 'ះ': "h",
}

func isKhmer(r rune) bool { return r >= 0x1780 && r <= 0x17FF }

// Myanmar (Burmese): consonants, medials and vowel signs; a final င်
// reads "in" (ပူတင် → putin), other finals (with asat) as the consonant.
var myanmar = map[rune]string{
	'က': "k", 'ခ': "kh", 'ဂ': "g", 'ဃ': "gh", 'င': "ng", 'စ': "s", 'ဆ': "hs", 'ဇ': "z", 'ဈ': "z",
	'ည': "ny", 'ဋ': "t", 'ဌ': "ht", 'ဍ': "d", 'ဎ': "d", 'ဏ': "n", 'တ': "t", 'ထ': "ht", 'ဒ': "d",
	'ဓ': "d", 'န': "n", 'ပ': "p", 'ဖ': "hp", 'ဗ': "b", 'ဘ': "b", 'မ': "m", 'ယ': "y", 'ရ': "r",
	'လ': "l", 'ဝ': "w", 'သ': "th", 'ဟ': "h", 'ဠ': "l", 'အ': "",
	'ဣ': "i", 'ဤ': "i", 'ဥ': "u", 'ဦ': "u", 'ဧ': "e", 'ဩ': "aw", 'ဪ': "aw",
	'ါ': "a", 'ာ': "a", 'ိ': "i", 'ီ': "i", 'ု': "u", 'ူ': "u", 'ေ': "e", 'ဲ': "ai", 'ံ': "n",
	'ျ': "y", 'ြ': "y", 'ွ': "w", 'ှ': "h",
}

func isMyanmar(r rune) bool { return r >= 0x1000 && r <= 0x109F }

// khmerMyanmarToLatin transliterates the Khmer or Myanmar letter at
// rs[*i] (advancing *i past letters it consumes).
func khmerMyanmarToLatin(rs []rune, i *int) string {
	r := rs[*i]
	if r == 'င' && *i+1 < len(rs) && rs[*i+1] == '်' {
		*i++
		return "in"
	}
	if s, ok := khmer[r]; ok {
		return s
	}
	return myanmar[r]
}
