#!/usr/bin/env python3
"""Writes src/EventPortal.Web/Admin/Security/common-passwords.txt: the passwords people choose most,
in the shapes the organiser console's 12-character minimum leaves open (shorter ones are refused anyway, so
the list keeps only those of 12 characters or more). Made from well-known patterns
(no download: the list is generated, reviewed and committed). Run it again after changing the patterns.

Every entry is lower case; the app compares after NFKC and lower-casing, so "Password1234" and
"ＰＡＳＳＷＯＲＤ１２３４" are refused too."""
import itertools, pathlib

words = """password passw0rd p@ssword p@ssw0rd qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm iloveyou letmein welcome
admin administrator login master dragon monkey football baseball soccer basketball hockey superman batman
princess sunshine shadow michael jennifer charlie jordan hunter buster thomas robert daniel jessica ashley
starwars pokemon naruto doraemon pikachu sakura tokyo osaka yokohama nagoya kyoto hokkaido okinawa nihon
japan nippon samurai ninja arigato konnichiwa sayonara daisuki aishiteru tanaka suzuki sato takahashi
watanabe yamada yamamoto nakamura kobayashi hello hellokitty trustno1 whatever freedom secret changeme
computer internet google microsoft windows apple iphone android samsung summer winter spring autumn
flower orange banana chocolate cookie cheese pepper ginger maggie jasmine matrix killer access
mustang ferrari porsche yankees liverpool chelsea arsenal barcelona realmadrid juventus eventportal
event portal organiser organizer office staff member municipal city seminar webinar zoom teams
default guest user test tester testing sample demo example system server database root toor
abc abcd abcdef abcdefg qazwsx qazwsxedc 1qaz2wsx 1q2w3e4r 1q2w3e4r5t zaq12wsx asdf qwer
love lovely angel baby babygirl mylove forever family friends happy smile lucky money cash
""".split()

suffixes = [""] + """1 12 123 1234 12345 123456 1234567 12345678 123456789 1234567890
! !! !@# 1! 123! @123 #1 01 007 69 99 00 11 111 321 4321""".split()
suffixes += [str(y) for y in range(1960, 2031)] + [f"{y}!" for y in range(2015, 2031)] + [f"@{y}" for y in range(2015, 2031)]

digits = ["1234567890", "0123456789", "9876543210", "0987654321", "123123123123", "121212121212", "112233445566",
          "123456123456", "123456654321", "111222333444", "147258369147", "159753159753", "123454321", "1234512345"]
for d in "0123456789":
    for n in range(8, 17): digits.append(d * n)
digits += ["".join(str((i % 10)) for i in range(1, n + 1)) for n in range(8, 21)]
digits += ["".join(str((i % 10)) for i in range(0, n)) for n in range(8, 21)]

keyboard_rows = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "!@#$%^&*()", "1qaz2wsx3edc4rfv", "zaq1xsw2cde3vfr4",
                 "qazwsxedcrfv", "qwertyasdfgh", "qwertyuiopasdfghjkl", "asdfghjklqwertyuiop", "qwerasdfzxcv", "1q2w3e4r5t6y7u8i",
                 "q1w2e3r4t5y6", "a1s2d3f4g5h6", "1a2b3c4d5e6f", "a1b2c3d4e5f6", "abcdefghijkl", "abcdefghijklmnop", "abcdefgh12345",
                 "abc123abc123", "aaaaaaaaaaaa", "qqqqqqqqqqqq", "zzzzzzzzzzzz", "xxxxxxxxxxxx", "asdfasdfasdf", "qwerqwerqwer",
                 "qweasdzxc123", "1qazxsw23edc", "passwordpassword", "letmeinletmein", "iloveyouiloveyou", "abcabcabcabc"]

out = set(digits) | set(keyboard_rows)
for w, s in itertools.product(words, suffixes):
    out.add(w + s)
for a, b in itertools.permutations(["password", "qwerty", "iloveyou", "letmein", "welcome", "admin", "monkey", "dragon",
                                      "sunshine", "princess", "football", "master", "hello", "login", "secret", "abc123"], 2):
    out.add(a + b)
for w in words:
    out.add(w * 2); out.add(w * 3); out.add(w + w[::-1])
# Phrases people believe are long enough.
out.update("""iloveyoutoo iloveyousomuch letmeinplease welcometomyworld changemenow changemeplease passwordpassword
mypasswordis thisismypassword ilovemymom ilovemydad ilovemyfamily ilovemywife ilovemyhusband iloveyoubaby
ilovejapan ilovetokyo nevergiveup whateverittakes trustnoone iamthebest youarethebest onetwothreefour
helloworld helloworld123 helloworld1234 goodmorning goodnight ohayougozaimasu yoroshikuonegaishimasu
administrator1 administrator123 adminadminadmin rootrootroot useruseruser testtesttest
""".split())
out = sorted(p for p in out if p.isascii() and p == p.lower() and len(p) >= 12)
target = pathlib.Path(__file__).resolve().parent.parent / "src/EventPortal.Web/Admin/Security/common-passwords.txt"
target.parent.mkdir(parents=True, exist_ok=True)
target.write_text("\n".join(out) + "\n", encoding="utf-8")
print(f"{len(out)} passwords -> {target}")
