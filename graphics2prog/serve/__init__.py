"""The web app of `g2p serve`: upload or draw a figure in the browser, get its spec, the
alternatives, the program, TikZ and an extrapolation, served offline from this package.

    from graphics2prog.serve.server import run
    run(port=8000)                      # http://127.0.0.1:8000/

Modules: app.py (the ASGI app and its routes), engine.py (the pipeline in memory and what is
done with it), worker.py (the single inference thread and its bounded queue), uploads.py
(size limits and image checks of uploads), params.py (request settings), figures.py (TikZ,
renders, extrapolation), headers.py (security headers), server.py (uvicorn), static/ (the page).
The package itself imports nothing, so the CLI reads worker.QUEUE_SIZE without loading torch.
"""
