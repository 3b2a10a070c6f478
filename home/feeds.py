"""RSS per campaign channel: /campaign/rss/<channel code>/ lists its latest articles on this site."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from home import selectors
from home.views import _home
from portal.models import Channel


class ChannelFeed(Feed):
    def get_object(self, request, code: str):
        self.request = request
        self.home = _home(request)
        return get_object_or_404(Channel, code=code, is_active=True)

    def title(self, channel: Channel) -> str:
        return _("%(site)s · %(channel)s") % {"site": self.home.title, "channel": channel.name}

    def link(self, channel: Channel) -> str:
        hub = selectors.hubs_of(home=self.home).filter(channel=channel).first()
        return (hub or self.home).get_url(self.request) or "/"

    def description(self, channel: Channel) -> str:
        return channel.audience or channel.description

    def items(self, channel: Channel):
        return selectors.articles_for_channel(home=self.home, channel=channel, limit=20)

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return item.summary

    def item_link(self, item) -> str:
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at
