# The portal image: Debian 12 + Python 3.11, the Pango/HarfBuzz libraries and the CJK font WeasyPrint
# needs (without the font every hanzi is a box), and the locked dependencies.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN pip install --no-cache-dir --no-deps . && useradd --system portal
USER portal
EXPOSE 8000
# several workers share PORTAL_SECRET and the database session store (STACK.md)
CMD ["uvicorn", "portal.asgi:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--proxy-headers"]
