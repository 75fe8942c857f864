"""Folium map builders (pure: data in, map out), their offline front-end assets and i18n."""
