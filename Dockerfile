# Production image: gunicorn serving djgc_direct against PostgreSQL.
# The scheduler runs as a second container from the same image (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJGC_CONFIG=production \
    FLASK_APP=app

WORKDIR /srv/djgc_direct
# Chinese labels in the bulletin's charts (djgc_direct/documents/charts.py) need a CJK font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN pybabel compile -d djgc_direct/translations \
    && useradd --system --home-dir /srv/djgc_direct --shell /usr/sbin/nologin djgc \
    && mkdir -p instance && chown -R djgc:djgc instance

USER djgc
EXPOSE 8000
# Migrations first, then the web workers. SECRET_KEY and DATABASE_URL come from the environment.
CMD ["sh", "-c", "flask db upgrade && exec gunicorn -c config/gunicorn.conf.py app:app"]
