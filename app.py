"""Router: page config, the page list from the registry, run the chosen page."""

import streamlit as st

from esm_maturity.ui.context import leave_file_based_navigation
from esm_maturity.ui.registry import PAGES

leave_file_based_navigation()
st.set_page_config(page_title="ESM maturity", page_icon=":material/insights:", layout="wide")
navigation = st.navigation(
    [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
     for p in PAGES])
navigation.run()
