# Production image: gunicorn serves the web app; the same image runs the worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml ./
RUN pip install --upgrade pip && mkdir -p /tmp/deps && cp pyproject.toml /tmp/deps/ \
    && pip install /tmp/deps && rm -rf /tmp/deps

COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 helpdesk && mkdir -p /app/media && chown helpdesk /app/media
USER helpdesk

EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
