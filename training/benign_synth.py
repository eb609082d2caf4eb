"""Synthetic benign web requests of many kinds of web applications, in the data sets' JSONL schema.

    python -m training.benign_synth --rows 20000 --seed 1 --out /tmp/benign.jsonl

Why: the labelled benign traffic comes from one Java shop (CSIC 2010) and one blog's Apache log, so
a model trained on it learns "that shop's URLs are normal", not "ordinary web traffic is normal".
These rows show it shops, blogs, PHP apps, JSON APIs, static files, searches, logins, accounts and
admin pages of invented sites in 21 locales (Faker, MIT), with the encodings browsers really use
(percent-encoded UTF-8, ``+`` in forms, sometimes raw UTF-8), tracking parameters, tokens, dates and
free text with ordinary punctuation, so that apostrophes, quotes, parentheses, non-Latin scripts and
long opaque tokens stop looking like attacks. Deterministic for a seed (no clock-relative dates).

A request comes from a template of ``_T``: ``weight METHOD path[ ? query][ | form body][ # json body]``.
``{a|b}`` is a choice, ``{n:2-9}`` a number, ``{name}`` a value of ``_Gen.F``, of the site (``lang``,
``api``, ...) or of Faker (``city``, ``free_email``, ...); a pair ending in ``?`` is there 30% of the time.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import sys
import time
import uuid
from datetime import date, timedelta
from types import SimpleNamespace as NS
from urllib.parse import quote, quote_plus, urlencode

from faker import Faker
from faker.decode import unidecode
from faker.providers.address.it_IT import Provider as _ItalianAddress

# Faker builds its Italian city list from a set, so its order (and the cities drawn) would follow
# PYTHONHASHSEED; sorted, a seed gives the same rows in every process.
_ItalianAddress.cities = sorted(_ItalianAddress.cities)

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "ru_RU", "uk_UA",
           "el_GR", "tr_TR", "ar_AA", "he_IL", "hi_IN", "ja_JP", "zh_CN", "ko_KR", "th_TH", "vi_VN")
_LATIN = {"en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "tr_TR", "vi_VN"}
_T = {
    "shop": (
        "10 GET {lang}/", "18 GET {lang}{prod_url} ? variant={n:1000000000-99999999999}?",
        "20 GET {lang}{cat_url} ? color={black|white|red|navy|beige|green}? & size={XS|S|M|L|XL|XXL|38|40|42}? & "
        "sort={price_asc|price_desc|newest|price|name|rating}? & order={asc|desc}? & view={grid|list}? & "
        "page={n:2-30}? & min_price={n:5-50}.00? & max_price={n:60-900}.99?",
        "5 GET /images/{pid}/{main|thumb|zoom|alt-2}/{800x800|1200x900|300x300|640x480}.jpg", "6 GET /cart",
        "5 GET /media/catalog/product/{prod_ab}/{prod}.jpg",
        "4 GET /cdn/shop/files/{prod}_{800|1200|300}x.webp ? v={ts}?",
        "6 POST /cart/add | product_id={pid} & variant_id={n:1-9999} & qty={n:1-4}",
        "6 GET /stores ? lat={latitude} & lng={longitude} & radius={10|25|50}",
        "6 GET /checkout/success ? order_id={n:100000-9999999}",
        "14 POST /checkout | first_name={first_name} & last_name={last_name} & email={free_email} & "
        "phone={phone_number} & address1={street_address} & city={city} & postcode={postcode} & country={cc} & "
        "shipping_method={standard|express|pickup} & payment_method={card|paypal|invoice} & _token={hex} & "
        "note={sentence}?"),
    "blog": (
        "20 GET /{post}/", "8 GET /{post_d}.html", "7 GET /blog/{pslug}", "10 GET /tag/{tag}/", "4 GET /feed/",
        "10 GET /category/{cat}/page/{n:2-12}/", "4 GET / ? format=rss", "2 GET /{rss.xml|atom.xml}", "7 GET /{ym}/",
        "2 GET /{post}/ ? replytocom={n:100-9999}", "6 GET /author/{author}/",
        "14 POST /wp-comments-post.php | author={name} & email={free_email} & url=https://{domain_name}/? & "
        "comment={text} & comment_post_ID={n:10-4000} & comment_parent={parent}",
        "8 POST /blog/{pslug}/comments | author={name} & email={free_email} & comment={text}"),
    "webapp": {  # server-side applications of several stacks; a site mostly keeps its own (see _Gen.row)
        "opencart": ("4 GET /index.php ? route=product/category & path={n:17-40}_{n:20-80} & page={n:2-9}?",
                     "4 GET /index.php ? route=product/product & product_id={n:28-400}",
                     "2 GET /index.php ? route={checkout/cart|common/home|account/login}"),
        "joomla": ("9 GET /index.php ? option=com_content & view={article|category} & id={n:1-300} & "
                   "Itemid={n:101-140}",
                   "1 GET /index.php ? option=com_users & view={login|registration}"),
        "wp": ("4 GET / ? {p|page_id|cat}={n:1-3000}", "2 GET /wp-json/wp/v2/posts ? per_page={5|10|20} & page={n:1-5}",
               "4 GET /wp-content/uploads/{n:2016-2025}/{mm}/{photo|img|IMG|screenshot}-{n:1-40}.{jpg|png|webp}",
               "2 GET /wp-content/themes/{tag}/style.css ? ver=6.{n:0-6}.{n:0-3}"),
        "phpbb": ("5 GET /viewtopic.php ? t={n:10-90000} & start={start}?", "2 GET /viewforum.php ? f={n:1-40}",
                  "2 POST /posting.php ? mode=reply & t={n:10-90000} | subject=Re: {title} & message={text} & "
                  "post=Submit"),
        "jsp": ("6 GET /{ctx}/index.jsp", "6 GET /{ctx}/{tag}/{tag}.jsp ? id={n:1-500} & lang={langcode}?",
                "4 POST /{ctx}/{login|register|account}.jsp | user={user} & password={password} & "
                "email={free_email}? & remember={on|off}",
                "4 GET /{ctx}/images/{tag}.{gif|jpg|png}", "3 GET /{ctx}/css/{tag}.css", "3 GET /{ctx}/js/{tag}.js",
                "3 GET /{ctx}/servlet/{Search|Catalog|Cart}Servlet ? q={q} & page={n:1-9}?"),
        "struts": ("6 GET /{ctx}/{tag}/{list|view|show}.do ? id={n:1-9000} & method={list|view|edit}?",
                   "4 POST /{ctx}/{login|save|update}.action | username={user} & password={password} & "
                   "token={hex}?"),
        "aspnet": ("6 GET /{Default|Home|Products|Account}.aspx ? id={n:1-9999}?",
                   "5 GET /{Products|Catalog}/Details.aspx ? ProductID={n:1-9999} & CategoryID={n:1-40}?",
                   "4 POST /Account/Login.aspx | __VIEWSTATE={b64} & __EVENTVALIDATION={b64} & "
                   "ctl00$MainContent$UserName={user} & ctl00$MainContent$Password={password} & "
                   "ctl00$MainContent$LoginButton=Log in",
                   "3 GET /handlers/{Image|Thumbnail}.ashx ? id={n:1-99999} & w={100|200|400}",
                   "2 GET /WebResource.axd ? d={b64} & t={n:600000000000000000-639999999999999999}"),
        "coldfusion": ("4 GET /{ctx}/index.cfm ? fuseaction={tag}.{list|view} & id={n:1-900}?",),
        "wiki": ("9 GET /index.php ? title={wiki_title} & action={history|edit|info}?",
                 "3 GET /index.php ? search={q} & title=Special:Search")},
    "api": (
        "25 GET {api}/users/{uuid4}/orders ? limit={10|20|50} & offset={offset}",
        "15 GET {api}/products ? category={cat} & page={n:1-9} & per_page=24 & sort={name|price|created_at}? & "
        "order={asc|desc}? & in_stock={true|false|1|0}? & format={json|csv|xml}?",
        "10 GET {api}/items/{pid} ? include=variants,images?", "6 DELETE {api}/cart/items/{n:1-99999}",
        "8 GET {api}/geo/nearby ? lat={latitude} & lon={longitude} & since={isotime}",
        "12 POST {api}/cart/items # product_id={pid} & name={words} & qty={n:1-5} & price={price}",
        "8 PATCH {api}/users/{uuid4} # display_name={name} & locale={locale} & timezone={tz} & marketing_opt_in={bool}",
        "8 POST {api}/events # event={page_view|add_to_cart|scroll} & path={page} & ts={ts_ms} & session_id={hex}",
        "8 POST /graphql # operationName=GetProduct & variables={gql_vars} & query={gql}"),
    "static": (
        "12 GET /static/js/{app|main|vendor|runtime}.{hash}.min.js ? {v|ver}={semver}?", "12 GET /favicon.ico",
        "10 GET /assets/css/{main|theme|style}.{hash}.css ? {v|ver}={semver}?", "6 GET /robots.txt",
        "4 GET /sitemap.xml",
        "8 GET /fonts/{Inter|Roboto|NotoSans|OpenSans}-{Regular|Bold|Medium}.woff2", "6 GET /apple-touch-icon.png",
        "8 GET /_next/static/chunks/pages/index-{hash}.js", "4 GET /manifest.json", "5 GET /img/logo.svg",
        "8 GET /images/banners/{tag}.jpg",
        "6 GET /{files|downloads|dist|pub}/{tag}/{tag}-{semver}.{tar.gz|zip|exe|dmg|deb|rpm|msi|AppImage}",
        "5 GET /{docs|files|papers|slides}/{tag}_{tag}.{pdf|txt|md|odp|pptx|log|csv|json}",
        "4 GET /{docs|manual}/{tag}/html/{tag}_{n:1-99}.html", "3 GET /{img|images}/{tag}_{n:1-9}.{gif|png|svg|ico}"),
    "search": (
        "30 GET {lang}/search ? {sq}={q} & page={n:2-9}? & sort=relevance?", "20 GET / ? s={q} & page={n:2-9}?",
        "15 GET /search/ ? {sq}={q}", "10 GET /catalogsearch/result/ ? q={q}",
        "15 GET /search/suggest ? term={qpart} & _={ts_ms}"),
    "auth": (
        "8 GET /{login|account/login|users/sign_in}", "8 POST /forgot-password | email={free_email}",
        "10 GET /{login|account/login|users/sign_in} ? {return_to|next|redirect}={page_or_url}",
        "20 POST /{login|account/login} | email={free_email} & password={password} & remember_me=on? & "
        "csrf_token={b64}",
        "12 POST /register | name={name} & email={free_email} & password={password} & "
        "password_confirmation={password} & terms=1",
        "8 GET /password/reset ? token={hex} & email={free_email}", "8 GET /verify-email ? token={jwt}",
        "9 GET /{oauth/callback|auth/github/callback|login/oauth2/code/google} ? code=4/0A{b64} & state={hex}",
        "5 GET /auth/google/callback ? state={hex} & code=4/0A{b64} & scope=email profile openid "
        "https://www.googleapis.com/auth/userinfo.email & authuser=0 & prompt=consent",
        "6 POST /2fa/verify | code={otp} & trust_device={0|1}", "6 GET /logout ? redirect={base}/"),
    "account": (
        "15 GET /account/orders ? page={n:2-6}?", "12 GET /account/orders/{n:100000-9999999}", "10 GET /profile/{user}",
        "25 GET /{account|my-account/edit-address/billing/|settings/notifications|wishlist}",
        "8 GET /account/orders/{n:100000-9999999}/invoice.pdf",
        "30 POST /account/profile | first_name={first_name} & last_name={last_name} & phone={phone_number} & "
        "birthday={dob} & timezone={tz} & city={city} & postcode={postcode} & newsletter={0|1}"),
    "admin": (
        "30 GET /admin/dashboard ? from={date} & to={date2} & granularity={day|week}?",
        "25 GET /admin/orders ? status={pending|paid|shipped|refunded} & page={n:1-40} & per_page=50 & "
        "sort=-created_at",
        # No CMS admin paths (/wp-admin/, /administrator/): they are what CMS scanners probe, and
        # whether they are this site's own pages is for adaptation (training.adapt) to learn.
        "10 GET /admin/products/{pid}/edit",
        "20 POST /admin/products/{pid} | title={title} & price={price} & stock={n:0-300} & description={text} & "
        "_method=PUT & _token={b64}"),
}
ARCHETYPES = tuple(_T)
_APP_W = (18, 14, 10, 14, 14, 9, 8, 7, 6)
_DECOR = {  # what a landing page picks up from ads, mails and language switchers
    "": 84, "gclid=Cj0KCQjw{b64}_BwE": 3, "fbclid=IwAR{b64}": 3, "{lang|hl|locale}={langcode}": 3,
    "utm_source={google|newsletter|facebook|instagram} & utm_medium={cpc|email|social} & "
    "utm_campaign={spring_sale|black-friday|brand}_{n:2022-2025} & utm_content={banner|cta}?": 7}
_TZ = ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "America/Sao_Paulo", "Asia/Kolkata")
_ROW_CONST = {"free_email", "password", "q", "date"}  # one value per row: a password and its confirmation agree
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # what browsers leave unencoded in a path
_FORBIDDEN = re.compile(r"<script|\.\./|' or ", re.I)
# Faker ships Latin lorem ipsum for these locales, so their words come from localised providers instead.
_POOL_FROM = {"pt_BR": "job city street_name catch_phrase color_name day_of_week month_name last_name",
              "tr_TR": "job day_of_week month_name last_name first_name",
              "hi_IN": "city street_name last_name first_name country day_of_week month_name",
              "ko_KR": "job catch_phrase bs city country street_name day_of_week month_name"}
_PHRASES = {k: v.split("|") for k, v in {  # things people really write, with the punctuation they use
    "en": "Great post!|Thanks for sharing.|I don't fully agree with the last part, though.|What's the source?",
    "fr": "Merci pour l'article !|C'est vraiment intéressant.|Ça marche aussi sur mobile ?|Qu'en pensez-vous ?",
    "de": "Danke für den Beitrag!|Gibt's dazu auch eine Quelle?|Sehr hilfreich, vielen Dank.",
    "es": "¡Muy buen artículo!|¿Alguien sabe si funciona también en Android?|Gracias por compartir.",
    "it": "Grazie per l'articolo!|Un'ottima spiegazione, complimenti.|Qualcuno l'ha già provato?",
    "pt": "Ótimo artigo!|Alguém sabe se funciona no Android?|Obrigado por compartilhar.",
    "nl": "Bedankt voor het delen!|Werkt dit ook 's avonds?|Goed artikel, duidelijk uitgelegd.",
    "pl": "Świetny artykuł!|Czy ktoś wie, jak to działa na telefonie?|Dzięki za wpis.",
    "ru": "Спасибо за статью!|А есть ли где-нибудь исходники?|Полностью согласен.",
    "uk": "Дякую за статтю!|Чи є десь джерело?|Дуже корисно.", "ja": "とても参考になりました！|続きを楽しみにしています。",
    "tr": "Harika bir yazı!|Teşekkürler, çok faydalı oldu.|Bunu Android'de deneyen var mı?",
    "zh": "写得很好！|请问有源码吗？"}.items()}
_QUOTES = {"de": "„“", "fr": "«»", "ru": "«»", "uk": "«»", "pl": "„”", "ja": "「」", "zh": "“”"}
_ENGINES = {"de": "https://www.google.de/", "fr": "https://www.google.fr/", "ru": "https://yandex.ru/",
            "zh": "https://www.baidu.com/", "ko": "https://search.naver.com/", "ja": "https://www.google.co.jp/"}
_BOTS = ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot-Image/1.0",
         "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
         "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
         "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)")
# Clients that are not browsers but fetch ordinary pages: feed readers, search and social crawlers,
# link previewers, monitors, HTTP libraries and tools. Written for this project from the clients'
# documented formats; kept apart from any evaluation source (no user agent of elastic_apache's log).
_CLIENTS = (
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
    "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Pinterestbot/1.0 (+http://www.pinterest.com/bot.html)",
    "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {n} subscribers)",
    "NewsBlur Feed Fetcher - {n} subscribers - https://www.newsblur.com/site/{n}/",
    "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; {n} subscribers; )",
    "FreshRSS/1.{v2}.0 (Linux; https://freshrss.org)", "NetNewsWire (RSS Reader; https://netnewswire.com/)",
    "Miniflux/2.0.{v2} (https://miniflux.app)", "Tumblr/14.0.835.186",
    "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", "Datadog Agent/7.{v2}.0", "kube-probe/1.{v2}",
    "ELB-HealthChecker/2.0", "GoogleHC/1.0", "Blackbox Exporter/0.{v2}.0", "Zabbix",
    "curl/7.{v2}.0", "curl/8.{v3}.1", "Wget/1.21.{v3}", "Wget/1.12 (linux-gnu)", "python-requests/2.{v2}.0",
    "Python-urllib/3.{v2}", "aiohttp/3.9.{v3}", "Go-http-client/1.1", "Go-http-client/2.0", "okhttp/3.14.9",
    "Java/1.8.0_{n}", "Apache-HttpClient/4.5.{v3} (Java/11.0.{v3})", "axios/1.6.{v3}", "node-fetch/1.0",
    "Ruby", "Faraday v2.7.{v3}", "PHP/8.{v3}", "Symfony HttpClient/Curl", "Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.{n}; Pro)", "Microsoft-WebDAV-MiniRedir/10.0.19045",
    "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0; SLCC1; .NET CLR 2.0.50727)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Opera/9.80 (Windows NT 6.1; U; en) Presto/2.10.289 Version/12.02", "Lynx/2.8.9rel.1 libwww-FM/2.14",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
    "Googlebot-Image/1.0", "Mediapartners-Google", "AdsBot-Google (+http://www.google.com/adsbot.html)",
    "W3C_Validator/1.3 http://validator.w3.org/services", "Lighthouse", "WordPress/6.{v3}; https://{host}",
)
_CH = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0"
_WK = "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/"
_UAS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + _CH + " Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) " + _CH + " Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + _CH + " Safari/537.36 Edg/{v}.0.{edg}.57",
        "Mozilla/5.0 (Linux; Android {a}; K) " + _CH + " Mobile Safari/537.36",
        "Mozilla/5.0 ({os}; rv:{fx}.0) Gecko/20100101 Firefox/{fx}.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) " + _WK + "17.{saf} Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) " + _WK + "{iosv} Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{sb}.0 "
        "Chrome/{v}.0.0.0 Mobile Safari/537.36")
_OS = ("Windows NT 10.0; Win64; x64", "X11; Ubuntu; Linux x86_64", "Macintosh; Intel Mac OS X 10.15")
_POOLS: dict[str, list[str]] = {}


def _pool(loc: str) -> list[str]:
    """Words of a locale, built once with a fixed seed (the row seed only picks among them)."""
    if loc not in _POOLS:
        g = Faker("en_US" if loc == "en_GB" else loc)
        g.seed_instance(0)
        words = g.words(1500)
        if loc in _POOL_FROM:
            words = [w for m in _POOL_FROM[loc].split() for _ in range(80)
                     for w in re.split(r"[\s,.()/-]+", str(getattr(g, m)()))]
            latin_ok = loc not in ("hi_IN", "ko_KR")  # their other providers are partly English
            words = [w for w in words if len(w) > 1 and not w.isdigit() and (latin_ok or not w.isascii())]
        _POOLS[loc] = sorted({w.strip(".,") for w in words if w.strip(".,")})
    return _POOLS[loc]


def _b64(r: random.Random, n: int) -> str:
    return base64.urlsafe_b64encode(r.randbytes(n)).decode().rstrip("=")


def _enc(text: str, fn, raw: bool) -> str:
    """Percent-encode with ``fn``; ``raw`` leaves non-ASCII characters as they are (some clients and logs do)."""
    return "".join(c if ord(c) > 127 else fn(c) for c in text) if raw else fn(text)


class _Gen:
    def __init__(self, seed: int, n_sites: int):
        self.r = r = random.Random(seed)
        self.fk = Faker(list(LOCALES))
        for loc in LOCALES:
            self.fk[loc].seed_instance(r.getrandbits(32))
        self.sites = [self.site(LOCALES[i] if i < len(LOCALES) else r.choice(LOCALES + ("en_US",) * 6))
                      for i in range(n_sites)]
        self.ctx: dict = {}
        day = lambda a=date(2022, 1, 1), n=1300: a + timedelta(days=r.randrange(n))
        words = lambda s, a, b, sep=" ": sep.join(self.words(s.loc, a, b))
        cat, prod, post = (lambda s: self.one("cat", s.cats)), (lambda s: self.one("prod", s.prods)), \
            (lambda s: self.one("post", s.posts))
        self.F = {  # placeholder -> site -> value
            "cat": lambda s: cat(s)[1], "pid": lambda s: prod(s)[0], "prod": lambda s: prod(s)[1],
            "cat_url": lambda s: ("/c/{1}-{0}", "/category/{1}", "/collections/{1}", "/{1}/")[s.style].format(*cat(s)),
            "prod_url": lambda s: ("/p/{1}-{0}.html", "/product/{0}/{1}", "/products/{1}", "/{1}-p{0}")[s.style]
            .format(*prod(s)),
            "prod_ab": lambda s: "/".join((prod(s)[1] + "xx")[:2]), "pslug": lambda s: post(s)[2],
            "post": lambda s: "{0}/{1:02d}/{2}".format(*post(s)), "ym": lambda s: "{0}/{1:02d}".format(*post(s)),
            "post_d": lambda s: "{0}/{1:02d}/{3:02d}/{2}".format(*post(s), r.randint(1, 28)),
            "tag": lambda s: r.choice(s.tags), "ctx": lambda s: s.ctx, "locale": lambda s: s.loc.replace("_", "-"),
            "cc": lambda s: s.loc[-2:], "langcode": lambda s: r.choice((s.loc[:2], "en", r.choice(LOCALES)[:2])),
            "mm": lambda s: f"{r.randint(1, 12):02d}", "otp": lambda s: f"{r.randint(0, 999999):06d}",
            "password": lambda s: s.g.password(length=r.randint(10, 16)),
            "user": lambda s: re.sub(r"[^a-z0-9_.]", "", s.g.user_name().lower()) or "user",
            "author": lambda s: re.sub(r"[^a-z]", "", unidecode(s.g.first_name()).lower()) or "admin",
            "hash": lambda s: r.randbytes(4).hex()[:r.choice((6, 8))],
            "hex": lambda s: r.randbytes(r.choice((16, 20, 32))).hex(),
            "b64": lambda s: _b64(r, r.choice((24, 32, 48))), "jwt": lambda s: self.jwt(),
            "semver": lambda s: f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}",
            "ts": lambda s: r.randint(1_650_000_000, 1_750_000_000),
            "ts_ms": lambda s: r.randint(1_650_000_000_000, 1_750_000_000_000),
            "date": lambda s: day().isoformat(), "dob": lambda s: day(date(1950, 1, 1), 21000).isoformat(),
            "date2": lambda s: str(date.fromisoformat(self.value("date", s)) + timedelta(r.choice((7, 30, 90)))),
            "isotime": lambda s: f"{day()}T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}Z",
            "price": lambda s: round(r.uniform(1, 500), 2), "bool": lambda s: r.random() < .5,
            "parent": lambda s: r.choice((0, 0, 0, r.randint(10, 900))), "start": lambda s: 15 * r.randint(1, 20),
            "offset": lambda s: 20 * r.randint(0, 9), "tz": lambda s: r.choice(_TZ),
            "gql_vars": lambda s: {"id": str(prod(s)[0])},
            "gql": lambda s: "query GetProduct($id: ID!) { product(id: $id) { id name price images { url } } }",
            "words": lambda s: words(s, 2, 4), "title": lambda s: words(s, 2, 5).capitalize(),
            "wiki_title": lambda s: words(s, 1, 3, "_").capitalize(), "sentence": lambda s: self.sentence(s.loc),
            "text": lambda s: self.text(s.loc, 1, 5), "page": self.page,
            "page_or_url": lambda s: (s.base if r.random() < .5 else "") + self.page(s),
            "q": lambda s: (lambda q: f'"{q}"' if r.random() < .05 else q)(words(s, 1, 5)),
            "qpart": lambda s: (lambda q: q[:r.randint(min(2, len(q)), len(q))])(words(s, 1, 3)),
        }

    def one(self, key: str, items: list):
        """The row's one product / category / post, so that its id and slug agree."""
        if key not in self.ctx:
            self.ctx[key] = self.r.choice(items)
        return self.ctx[key]

    def value(self, name: str, s):
        if "|" in name:
            return self.r.choice(name.split("|"))
        if name.startswith("n:"):
            return self.r.randint(*map(int, name[2:].split("-")))
        if name in _ROW_CONST and name in self.ctx:
            return self.ctx[name]
        f = self.F.get(name)
        v = f(s) if f else getattr(s, name) if hasattr(s, name) else getattr(s.g, name)()
        if name in _ROW_CONST:
            self.ctx[name] = v
        return v

    def fill(self, text: str, s, typed: bool = False):
        """``text`` with its placeholders filled; with ``typed``, a lone placeholder keeps its type (for JSON)."""
        if typed and (m := re.fullmatch(r"\{([^{}]+)\}", text)):
            return self.value(m[1], s)
        return re.sub(r"\{([^{}]+)\}", lambda m: str(self.value(m[1], s)), text)

    def pairs(self, spec: str, s, typed: bool = False) -> list:
        out = []
        for item in filter(None, spec.split(" & ")):
            if item.endswith("?"):
                item = item[:-1]
                if self.r.random() >= .3:
                    continue
            k, v = item.split("=", 1)
            out.append((self.fill(k, s), self.fill(v, s, typed)))
        return out

    # ---- vocabulary of a locale and of an invented site ------------------------------------------
    def words(self, loc: str, a: int, b: int) -> list[str]:
        return [self.r.choice(_pool(loc)) for _ in range(self.r.randint(a, b))]

    def slug(self, s, a: int, b: int) -> str:
        t = "-".join(self.words(s.loc, a, b)).lower()
        return re.sub(r"[\s!-/:-@\[-`{-~]+", "-", t if s.native else unidecode(t).lower()).strip("-") or "item"

    def sentence(self, loc: str) -> str:
        r, lang, w = self.r, loc[:2], self.words(loc, 4, 12)
        if r.random() < .15 and len(w) > 4:
            w[2] += ","
        if r.random() < .12:
            o, c = _QUOTES.get(lang, '""')
            w[-2] = f"{o}{w[-2]}{c}"
        if r.random() < .1:
            w.append(f"({' '.join(self.words(loc, 1, 3))})")
        end = r.choices(("?", "!", "."), (2, 1, 7))[0]
        if lang in ("ja", "zh"):
            return "".join(w).replace(",", "、") + {"?": "？", "!": "！", ".": "。"}[end]
        return (w[0][:1].upper() + w[0][1:] + " " + " ".join(w[1:])).rstrip(",") + end

    def text(self, loc: str, a: int, b: int) -> str:
        parts = [self.sentence(loc) for _ in range(self.r.randint(a, b))]
        if loc[:2] in _PHRASES and self.r.random() < .6:
            parts.insert(self.r.randrange(len(parts) + 1), self.r.choice(_PHRASES[loc[:2]]))
        if self.r.random() < .06:
            parts.append(self.r.choice(("🙂", "👍", "😂", ":)", "^^", "10/10")))
        return ("" if loc[:2] in ("ja", "zh", "th") else " ").join(parts)

    def site(self, loc: str):
        """An invented site: its host, language prefix, categories, products, posts and URL styles."""
        r, g = self.r, self.fk[loc]
        s = NS(loc=loc, g=g, native=r.random() < (.2 if loc in _LATIN else .5))
        s.host = r.choice(("www.", "www.", "", "m.")) + g.domain_name()
        s.base = f"{'https' if r.random() < .93 else 'http'}://{s.host}"
        s.lang = r.choice(("", "", "", "/" + loc[:2], "/" + loc.lower().replace("_", "-")))
        s.cats = [(r.randint(3, 480), self.slug(s, 1, 2)) for _ in range(r.randint(5, 12))]
        s.prods = [(r.randint(100, 99999), self.slug(s, 2, 4)) for _ in range(r.randint(15, 40))]
        s.posts = [(r.randint(2016, 2025), r.randint(1, 12), self.slug(s, 3, 7)) for _ in range(r.randint(15, 40))]
        s.tags = [self.slug(s, 1, 2) for _ in range(8)]
        s.brand = re.sub(r"[^A-Za-z]", "", unidecode(g.last_name())).title() or "Shop"
        s.webapp, s.style, s.plus = r.choice(tuple(_T["webapp"])), r.randrange(4), r.random() < .65
        s.ctx = self.slug(s, 1, 1)  # a Java application's context root
        s.api = r.choice(("/api/v1", "/api/v2", "/api/v3", "/api", "/rest/v1"))
        s.sq = r.choice(("q", "s", "query", "search", "k"))
        return s

    def page(self, s) -> str:
        """Some HTML page of the site, for referers and redirect targets."""
        r = self.r
        (_, c), (pid, p), (y, m, t) = r.choice(s.cats), r.choice(s.prods), r.choice(s.posts)
        return r.choice((s.lang + "/", f"{s.lang}/category/{c}", f"{s.lang}/p/{p}-{pid}.html", f"/{y}/{m:02d}/{t}/",
                         "/account/orders", "/cart", f"/tag/{r.choice(s.tags)}/"))

    def jwt(self) -> str:
        r, now = self.r, self.r.randint(1_700_000_000, 1_750_000_000)
        enc = lambda o: base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode()).decode().rstrip("=")
        claims = {"sub": str(uuid.UUID(int=r.getrandbits(128), version=4)), "iat": now, "exp": now + 3600}
        return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(claims)}.{_b64(r, 32)}"

    # ---- headers and assembly --------------------------------------------------------------------
    def ua(self, s, app: str) -> str | None:
        """Current browsers (templates), Faker's own (older) ones, a few crawlers, and native API clients."""
        r, k, v = self.r, self.r.random(), self.r.randint(110, 131)
        if k < .03:
            return None
        if k < .07 and app not in ("api", "auth", "account", "admin"):
            return r.choice(_BOTS)
        if k < .13 and app not in ("auth", "account", "admin"):
            return r.choice(_CLIENTS).format(n=r.randint(1, 9999), v2=r.randint(10, 40), v3=r.randint(1, 9),
                                             host=s.host)
        if app == "api" and k < .3:
            return r.choice((f"okhttp/4.{r.randint(9, 12)}.0", f"Dart/3.{r.randint(0, 5)} (dart:io)",
                             f"{s.brand}/{r.randint(1, 9)}.{r.randint(0, 30)} CFNetwork/1494.0.7 Darwin/23.4.0",
                             f"{s.brand}/{r.randint(1, 9)}.{r.randint(0, 30)} (Android {r.randint(10, 14)}; Pixel 7)"))
        if k < .18:  # Faker's generator; its Firefox date token and Opera spacing are malformed, so mend those
            return re.sub(r"Gecko/\d{4}-\d\d-\d\d [\d:.]+", "Gecko/20100101", s.g.user_agent()).replace(".(", " (")
        ios = f"{r.randint(16, 18)}_{r.randint(0, 6)}"
        return r.choice(_UAS).format(v=v, fx=v + 5, ios=ios, iosv=ios.replace("_", "."), edg=r.randint(1000, 2900),
                                     a=r.randint(10, 14), sb=r.randint(20, 25), saf=r.randint(0, 6), os=r.choice(_OS))

    def referer(self, s, app: str, ua: str | None, form_to: str | None) -> str | None:
        r, k = self.r, self.r.random()
        # ~10% of rows have none: typed URLs and bookmarks, crawlers, native apps, clients without a user agent
        if k < .02 or not ua or not ua.startswith(("Mozilla", "Opera")) or "bot" in ua.lower():
            return None
        if form_to and k < .75:  # a form posts from its own page (or, for comments and carts, the article's)
            return s.base + quote(form_to if not re.search(r"\.php$|/add$", form_to) else self.page(s), safe=_PATH_SAFE)
        if k < .7 or app in ("static", "api", "account", "admin"):
            p = self.page(s)
            if r.random() < .25:
                p += "?" + urlencode([(s.sq, self.F["words"](s))] if r.random() < .5 else [("page", r.randint(2, 9))])
            return s.base + quote(p, safe=_PATH_SAFE + "?%")
        if k < .92:
            engine = _ENGINES.get(s.loc[:2], "https://www.google.com/")
            return engine if r.random() < .8 else "https://www.bing.com/search?" + urlencode(
                [("q", self.F["q"](s)), ("form", "QBLH")])
        return r.choice(("https://t.co/" + _b64(r, 7), "https://l.facebook.com/", "https://www.instagram.com/"))

    def row(self, i: int, seed: int) -> dict:
        r = self.r
        s, app = r.choice(self.sites), r.choices(ARCHETYPES, _APP_W)[0]
        ts = _T[app] if app != "webapp" else _T[app][s.webapp if r.random() < .8 else r.choice(tuple(_T[app]))]
        while True:  # regenerate on the rare free text that happens to look like an attack
            self.ctx = {}
            t = r.choices(ts, [int(t.split(" ", 1)[0]) for t in ts])[0]
            _, method, rest = t.split(" ", 2)
            rest, _, js = rest.partition(" # ")
            rest, _, form = rest.partition(" | ")
            path, _, q = rest.partition(" ? ")
            path, q = self.fill(path, s), self.pairs(q, s)
            body = self.pairs(form, s) if form else dict(self.pairs(js, s, typed=True)) if js else None
            page = app in ("shop", "blog", "webapp", "search") and not re.search(r"\.\w{2,5}$|suggest|feed|wp-json", path)
            if page and method == "GET":
                q += self.pairs(r.choices(list(_DECOR), list(_DECOR.values()))[0], s)
            if not _FORBIDDEN.search(path + repr(q) + repr(body)):
                break
        raw = r.random() < .1  # some clients send UTF-8 unencoded
        qfn = quote_plus if s.plus or app == "api" and r.random() < .5 else (lambda t: quote(t, safe="/:@,!()*~"))
        headers = {}
        if (ua := self.ua(s, app)) is not None:
            headers["user-agent"] = ua
        if (ref := self.referer(s, app, ua, path if method == "POST" and form else None)) is not None:
            headers["referer"] = ref
        if isinstance(body, dict):
            headers["content-type"] = "application/json"
            body = json.dumps(body, ensure_ascii=r.random() < .3)
        elif body:  # browsers always percent-encode form bodies, '+' for spaces
            headers["content-type"] = "application/x-www-form-urlencoded" + "; charset=UTF-8" * (r.random() < .3)
            body = urlencode(body)
        return {"id": f"synthetic_benign:{seed}:{i}", "source": "synthetic_benign", "kind": "raw_http", "split": None,
                "method": method, "path": _enc(path, lambda t: quote(t, safe=_PATH_SAFE), raw),
                "query": "&".join(f"{quote_plus(k)}={_enc(str(v), qfn, raw)}" for k, v in q),
                "headers": headers, "body": body or "", "label": "normal", "attack_type": None,
                "meta": {"app": app, "locale": s.loc, "site": s.host}}


def generate(n: int, seed: int) -> list[dict]:
    """``n`` benign rows; the same ``seed`` gives the same rows."""
    gen = _Gen(seed, max(60, n // 150))  # ~150 requests per invented site
    return [gen.row(i, seed) for i in range(n)]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=argparse.FileType("w", encoding="utf-8"), default="-", help="JSONL; '-': stdout")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    rows = generate(a.rows, a.seed)
    a.out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    dt = time.perf_counter() - t
    print(f"{len(rows)} rows in {dt:.1f}s ({len(rows) / dt:.0f} rows/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
