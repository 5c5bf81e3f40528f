# artcolor's API: the bundled model behind FastAPI. Build: docker build -t artcolor .
# Run: docker run -p 8000:8000 artcolor   (the same command as `make serve`, on 0.0.0.0)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# headless OpenCV needs no GUI libraries, but some of its wheels link libxcb; libgomp for scikit-learn
RUN apt-get update && apt-get install -y --no-install-recommends libxcb1 libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# 1. the dependencies alone, at the tested versions: a change to the code does not reinstall them
COPY settings.ini constraints.txt ./
RUN python -c "import configparser; c = configparser.ConfigParser(delimiters=['=']); c.read('settings.ini'); \
print('\n'.join(c['DEFAULT']['requirements'].split()))" > requirements.txt \
    && pip install -c constraints.txt -r requirements.txt
# 2. the package (base install: no browser, no plotting, no notebook tools; artcolor.testing is left out)
COPY setup.py README.md ./
COPY artcolor/ artcolor/
RUN pip install --no-deps . && rm -rf build
COPY api/ api/
COPY models/ models/
# check at build time that cv2 imports and the bundled model matches its card
ENV ARTCOLOR_MODEL=/app/models/artcolor.joblib
RUN python -c "import cv2; from artcolor.predict import Predictor; print(cv2.__version__, Predictor.load())"

RUN useradd --create-home --uid 10001 artcolor
USER artcolor
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
# one worker per core the container may use (its CPU quota included); WORKERS=N or WEB_CONCURRENCY=N to choose
CMD ["python", "-m", "api", "--host", "0.0.0.0", "--port", "8000"]
