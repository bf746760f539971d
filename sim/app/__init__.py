"""The planner's web app (Streamlit): sits on top of the experiment and outputs layers, like
the command line. ``python -m sim.app`` serves it; see :mod:`sim.app.main`."""
