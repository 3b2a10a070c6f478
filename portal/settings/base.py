"""Settings shared by every environment.

Secrets have no defaults here: dev.py and test.py supply throwaway ones, production.py
refuses to start without real ones. Docs: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# ------------------------------------------------------------------------------
# Applications
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "portal",
    "home",
    "courses",
    "volunteers",
    "training",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "portal.users_app.PortalUsersConfig",  # wagtail.users with portal/admin_users.py
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: a hit answers an anonymous page view before anything else runs (portal/pagecache.py).
    "portal.pagecache.AnonymousPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Database and cache (https://django-environ.readthedocs.io/)
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Reconnect after a database restart instead of failing until the process restarts.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # The portal keeps answering when Redis is down: a cache miss, not an error.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ------------------------------------------------------------------------------
# Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html)
# No broker configured means the embedded mode: tasks run inline in the request.
# ------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker killed outright (SIGKILL, a lost machine) cannot give back the jobs it held: Redis
# hands them to another worker once they have been unacknowledged this long (kombu's default is an
# hour). Keep it above the longest task plus its retry countdown, or a slow job runs twice (every
# task is idempotent, so that costs time, not correctness).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "outbox-drain": {"task": "portal.tasks.outbox_drain_task", "schedule": 30.0},
}

# ------------------------------------------------------------------------------
# Authentication: django-allauth (https://docs.allauth.org/)
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "portal.accounts.forms.LoginForm",
    "signup": "portal.accounts.forms.SignupForm",
    "request_login_code": "portal.accounts.forms.RequestLoginCodeForm",
}
ACCOUNT_USER_DISPLAY = "portal.accounts.adapter.user_display"
# Sign up with a mobile number (SMS code), or an e-mail address and a password, or both. allauth
# sees every field as optional; portal.accounts.forms.SignupForm requires one of the two ways,
# which allauth's check cannot see (hence account.W001 silenced below).
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
ACCOUNT_SIGNUP_FIELDS = ["phone", "email", "password1", "password2"]
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True  # texts get lost
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True  # fix a mistyped number without starting over
# "optional" for phone and WeChat accounts; a sign-up by e-mail alone must confirm its address
# before it is signed in (portal.accounts.stages.EmailVerificationStage).
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
# Log-in by SMS code (the password form also takes a phone or e-mail address).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
# Sign-up, log-in by code and password reset answer the same for a known and an unknown phone or
# address, so nobody can test who has an account; the owner of a known number gets a text
# (AccountAdapter.send_account_already_exists_sms) instead of a second account, the owner of a
# known address a mail (portal.accounts.forms.SignupForm: a registered address is never "taken").
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    # Each one sends an SMS. Per IP is generous: a whole class may sign up over one Wi-Fi.
    "verify_phone": "1/30s/key,10/m/ip",
}
SILENCED_SYSTEM_CHECKS = ["account.W001"]

# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated), for
# rate limits and allauth's log-in limits (portal.clientip; empty: the TCP peer is the client).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Rate limits of scans, certificate verification and quiz start: portal.ratelimit.DEFAULT_RATES,
# replaced per scope by a PORTAL_RATE_LIMITS dict ("amount/duration/ip|user"; test settings: none).
SOCIALACCOUNT_ADAPTER = "portal.accounts.adapter.SocialAccountAdapter"

# WeChat log-in appears only when the app id and secret are configured
# (portal.accounts.adapter.SocialAccountAdapter hides it otherwise, database apps included).
WEIXIN_APP_ID = env("WEIXIN_APP_ID", default="")
WEIXIN_APP_SECRET = env("WEIXIN_APP_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {}
if WEIXIN_APP_ID and WEIXIN_APP_SECRET:
    SOCIALACCOUNT_PROVIDERS["weixin"] = {
        "APPS": [{"client_id": WEIXIN_APP_ID, "secret": WEIXIN_APP_SECRET}],
        "SCOPE": ["snsapi_login"],
    }

# SMS: the backend class sends verification codes and notices.
SMS_BACKEND = env("SMS_BACKEND", default="portal.sms.DatabaseSMSBackend")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env("SMS_GATEWAY_KEY", default="")
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="消防宣教平台")

# ------------------------------------------------------------------------------
# Personal information (PIPL): encryption at rest and keyed hashes for uniqueness
# ------------------------------------------------------------------------------
# Set in dev.py/test.py/production.py: FIELD_ENCRYPTION_KEYS (Fernet keys, newest first)
# and PII_HASH_KEY (HMAC key). Rotating: add a new key first, re-save, drop the old one.

# ------------------------------------------------------------------------------
# Internationalisation: Chinese first, English second
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# ------------------------------------------------------------------------------
# Static and media files
# ------------------------------------------------------------------------------
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Certificates hold personal data: they live outside MEDIA_ROOT and are served by views
# that check the right to download them.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))

# PDF rendering needs a CJK font; without one reportlab prints empty boxes silently.
CJK_FONT_PATH = env("CJK_FONT_PATH", default="")

# ------------------------------------------------------------------------------
# Wagtail (https://docs.wagtail.org/en/stable/reference/settings.html)
# ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "消防宣教与志愿服务平台"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
# Uploads: no SVG or HTML anywhere (they run script when opened from our origin); sizes capped.
# Course videos are documents (courses.VideoBlock), hence mp4.
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "mp4", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000  # decompression bombs
# Documents are served by Wagtail's view, which checks a private collection's restriction
# (never a direct media URL); privacy is by log-in or group, never a shared password.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"SHARED_PASSWORD": False}
# Nothing in the admin calls out to third parties (staff e-mail hashes to Gravatar, update checks).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# ------------------------------------------------------------------------------
# Security headers (portal.csp; production.py adds HTTPS-only cookies and HSTS)
# ------------------------------------------------------------------------------
# Sessions live in the database: a Redis restart or eviction logs nobody out, and a session can be
# ended for good by deleting its row.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Extra origins of images and videos (an object store or CDN), e.g. https://media.example.org
CSP_MEDIA_ORIGINS = env.list("CSP_MEDIA_ORIGINS", default=[])
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    # 'wasm-unsafe-eval' lets the QR scanner compile its own zxing WebAssembly (served from
    # static/vendor; browsers without BarcodeDetector need it) and allows no eval() of script.
    # Without it the camera scan fails on every phone (tests/test_a11y_pages.py, fake camera).
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],  # computed bar widths only (see portal/csp.py)
    "img-src": ["'self'", "data:", "blob:", *CSP_MEDIA_ORIGINS],
    "media-src": ["'self'", "blob:", "https:", *CSP_MEDIA_ORIGINS],  # hazard videos are links to a video host
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'", *(["https://open.weixin.qq.com"] if WEIXIN_APP_ID else [])],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY_ADMIN = {
    **CONTENT_SECURITY_POLICY,
    "script-src": ["'self'", "'unsafe-inline'"],  # Wagtail's date widgets and inline panels
    "style-src": ["'self'", "'unsafe-inline'"],
    "frame-ancestors": ["'self'"],  # Wagtail's live preview
}
PERMISSIONS_POLICY = "camera=(self), geolocation=(), microphone=(), payment=(), usb=()"

# ------------------------------------------------------------------------------
# API (django-ninja)
# ------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50

# ------------------------------------------------------------------------------
# Logging: never log personal data; the PII filter masks phones and ID numbers.
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "portal.logging.MaskPIIFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pii"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING", "propagate": True}},
}

# Absolute address printed in QR codes and messages.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
PORTAL_VERSION = "0.1.0"
PORTAL_NAME = _("Fire-safety education and volunteer portal")
